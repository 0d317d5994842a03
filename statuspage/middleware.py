"""Serves the status page on its own host name (FIREBELL_STATUS_PAGE_HOST, e.g.
status.example.com): there `/` is the page and `/feed.atom`, `/api/summary.json`, … its feeds, and
nothing else of Firebell answers — the rest of the app is not reachable through that name."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

PUBLIC_PREFIXES = ("/status/", "/static/")


class StatusHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.host = settings.FIREBELL_STATUS_PAGE_HOST.lower()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.host and request.get_host().split(":")[0].lower() == self.host:
            path = request.path_info
            if not path.startswith(PUBLIC_PREFIXES):
                path = "/status" + path
            if not path.startswith(PUBLIC_PREFIXES):
                return HttpResponseNotFound("not found\n", content_type="text/plain")
            request.path_info = path
        return self.get_response(request)
