"""Operations endpoints (/healthz: the process answers; /readyz: it can do its job), and the
browser UI's shared pages: a top bar item alone, and the 403/404/500 pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import readiness
from core.ui import render_page, render_to_string, topbar_items, ui_view


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every component works, else 503 naming what is wrong; within ~2 s always."""
    components = readiness()
    ready = all(component["ok"] for component in components.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "components": components},
        status=200 if ready else 503,
    )


# --- the browser UI's own pages: a top bar item alone, and the error pages -----------------------


@require_GET
@ui_view
def topbar_item(request: HttpRequest, name: str) -> HttpResponse:
    """One item of the top bar, rendered alone: a lazy item's first fetch and its polls."""
    item = topbar_items.get(name)
    if item is None:
        raise Http404("No such item of the top bar.")
    data = item.context(request)
    if data is None:  # not for this person (any more): an empty element that stops polling
        return HttpResponse(render_to_string(request, "core/empty.html", {"name": item.name}))
    return HttpResponse(render_to_string(request, item.template, {"item": item, "data": data}))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render_page(request, "403.html", {}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = exception.args[0] if exception.args and isinstance(exception.args[0], str) else ""
    return render_page(request, "404.html", {"message": message}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Nothing that could fail again: no database, no top bar, no request-dependent values.
    return HttpResponse(render_to_string(None, "500.html", {}), status=500)
