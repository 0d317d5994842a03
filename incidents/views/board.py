"""The board (/): open incidents in columns by status; it polls itself every 5 s."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.ui import htmx_target, screen_response, ui_view
from incidents import pages


@require_GET
@ui_view
def board(request: HttpRequest) -> HttpResponse:
    context = pages.board_context(request)
    if htmx_target(request) != "board":  # the whole page: its notices too
        context["notices"] = pages.board_notices_shown(request)
    return screen_response(request, "incidents/board.html", context, regions={"board"})
