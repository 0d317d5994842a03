"""What the on-call views share: the answer after a change, early checks, absolute URLs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import PermissionDeniedError


def done(
    request: HttpRequest, region: Callable[[], HttpResponse], back: str, message: str
) -> HttpResponse:
    """htmx: the fresh region; otherwise a message and back to the page (POST → redirect)."""
    if request.htmx:
        return region()
    messages.success(request, message)
    return redirect(back)


def require(allowed: bool, message: str) -> None:
    # The services check again; refusing first means a viewer's invalid form is a 403 too.
    if not allowed:
        raise PermissionDeniedError(message)


def absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
