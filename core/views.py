"""Operations endpoints: /healthz (the process answers) and /readyz (it can do its job)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from core import clock
from core.models import WorkerHeartbeat
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
