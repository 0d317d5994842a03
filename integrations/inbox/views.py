"""The inbox (/inbox/) and the bell's actions: acknowledge, mark read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.ui import (
    render_region,
    render_to_string,
    safe_next,
    screen_response,
    topbar_items,
    ui_view,
    with_event,
)
from integrations.inbox import pages, selectors, services

REGIONS = frozenset({"inbox_list"})


@require_GET
@ui_view
def inbox(request: HttpRequest) -> HttpResponse:
    return screen_response(
        request, "inbox/inbox.html", pages.inbox_context(request), regions=REGIONS
    )


def _changed(request: HttpRequest, message: str) -> HttpResponse:
    """htmx: the region that asked (the bell or the inbox list) plus `inbox-changed`, which the
    other one listens for; without JavaScript, a message and back where the person was."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(safe_next(request, reverse("inbox:inbox")))
    if request.htmx.target == "inbox_bell":
        item = topbar_items.get("inbox_bell")
        data = {**pages.bell_context(request), "open": True}
        html = render_to_string(request, item.template, {"item": item, "data": data})
        response = HttpResponse(html)
    elif request.htmx.target == "inbox_list":
        response = render_region(
            request, "inbox/inbox.html", "inbox_list", pages.inbox_context(request)
        )
    else:
        response = HttpResponse(status=204)
    return with_event(response, "inbox-changed", region=request.htmx.target or "")


@require_POST
@ui_view
def message_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.inbox_message_get(request.user, pk)
    incident = services.inbox_acknowledge(message=message, actor=request.user)
    return _changed(request, f"Incident #{incident.number} acknowledged.")


@require_POST
@ui_view
def message_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.inbox_message_get(request.user, pk)
    services.inbox_message_read(message=message, actor=request.user)
    return _changed(request, "Marked as read.")


@require_POST
@ui_view
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.inbox_read_all(actor=request.user)
    return _changed(request, f"{count} marked as read.")
