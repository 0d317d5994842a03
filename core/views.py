"""Operations endpoints (/healthz: the process answers; /readyz: it can do its job), and the
browser UI's shared pages: a top bar item alone, and the 403/404/500 pages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import clock
from core.models import WorkerHeartbeat
from core.ui import render_page, render_to_string, topbar_items, ui_view
from firebell.celery import app as celery_app


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any driver error means "not ready"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _check_broker() -> dict:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:  # kombu raises many types; all mean "unreachable"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _check_worker() -> dict:
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    try:
        heartbeat = WorkerHeartbeat.objects.filter(name="worker").first()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    if heartbeat is None:
        return {"ok": False, "error": "no Celery worker heartbeat recorded yet"}
    age = clock.now() - heartbeat.beat_at
    return {
        "ok": age <= max_age,
        "last_heartbeat_at": heartbeat.beat_at.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
        **({} if age <= max_age else {"error": f"last heartbeat older than {max_age.seconds}s"}),
    }


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    components = {
        "database": database,
        "broker": _check_broker(),
        "worker": _check_worker() if database["ok"] else {"ok": False, "error": "database down"},
    }
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
