"""Browser screens of accounts: the admins' security page (sign-in lockouts)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors, services
from core import clock
from core.errors import PermissionDeniedError
from core.ui import render_page, ui_view


def _require_security(request: HttpRequest) -> None:
    if not selectors.user_can_manage_security(request.user):
        raise PermissionDeniedError("Only administrators see sign-in security.")


@require_GET
@ui_view
def lockouts(request: HttpRequest) -> HttpResponse:
    _require_security(request)
    context = {
        "failures": selectors.signin_failures_recent(now=clock.now()),
        "failure_limit": settings.FIREBELL_SIGNIN_FAILURE_LIMIT,
        "lockout_minutes": settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES,
    }
    return render_page(request, "accounts/lockouts.html", context)


@require_POST
@ui_view
def lockout_clear(request: HttpRequest, pk: int) -> HttpResponse:
    _require_security(request)
    cleared = services.signin_lockout_clear(attempt_id=pk, actor=request.user)
    messages.success(request, "Unlocked." if cleared else "That sign-in was not locked any more.")
    return redirect("accounts:lockouts")
