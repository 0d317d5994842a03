"""Readiness of each component (`/readyz`), every check under its own hard time limit.

Each component is checked in a thread of its own, with its own connection and socket timeouts,
and the answer waits for none of them longer than CHECK_SECONDS: a frozen Redis (SIGSTOP: the
socket stays open and nothing answers) or a database that stopped answering shows as that
component's error, and `/readyz` still answers within about two seconds. A check still hanging
from an earlier request is not started again (one thread per component at most), and reports
how long it has been waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

from core import clock
from core.models import WorkerHeartbeat
from firebell.celery import app as celery_app

CHECK_SECONDS = 2.0
# Each client gives up by itself a little before that, so its own error names what hung.
SOCKET_SECONDS = 1.5
# Heartbeat rows (core.tasks.worker_heartbeat_task, one per queue) → readiness component.
HEARTBEATS = {"worker": "worker", "paging_worker": "paging"}

Result = dict[str, Any]
_in_flight: dict[str, float] = {}
_in_flight_lock = threading.Lock()


def _error(exc: BaseException) -> Result:
    return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _redis_ping(url: str) -> None:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=SOCKET_SECONDS, socket_timeout=SOCKET_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_database() -> Result:
    """SELECT 1, then the worker heartbeats (read here: one connection for both)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beats = WorkerHeartbeat.objects.filter(name__in=HEARTBEATS.values())
    return {"ok": True, "heartbeats": {row.name: row.beat_at for row in beats}}


def _check_broker() -> Result:
    url = celery_app.conf.broker_write_url or ""  # what publishing uses
    if url.startswith(("redis://", "rediss://")) and not celery_app.conf.broker_transport:
        _redis_ping(url)
        return {"ok": True, "transport": "redis"}
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=SOCKET_SECONDS)
        return {"ok": True, "transport": conn.transport_cls}


def _check_cache() -> Result:
    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        location = config["LOCATION"]
        _redis_ping(location[0] if isinstance(location, list | tuple) else location)
        return {"ok": True, "backend": "redis"}
    cache.set("readyz", "ok", 5)  # a per-process cache answers as long as the process does
    return {"ok": True, "backend": config["BACKEND"].rsplit(".", 1)[-1]}


def _run(name: str, check: Callable[[], Result], results: dict[str, Result]) -> None:
    try:
        results[name] = check()
    except Exception as exc:  # any error of any client means "not ready"
        results[name] = _error(exc)
    finally:
        connections.close_all()  # this thread's connections only
        with _in_flight_lock:
            _in_flight.pop(name, None)


def _checked_in_parallel(checks: dict[str, Callable[[], Result]]) -> dict[str, Result]:
    results: dict[str, Result] = {}
    threads = []
    for name, check in checks.items():
        with _in_flight_lock:
            since = _in_flight.get(name)
            if since is None:
                _in_flight[name] = time.monotonic()
        if since is not None:
            waiting = time.monotonic() - since
            results[name] = {"ok": False, "error": f"no answer to a check for {waiting:.0f} s"}
            continue
        thread = threading.Thread(
            target=_run, args=(name, check, results), name=f"readyz-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + CHECK_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = {"ok": False, "error": f"no answer within {CHECK_SECONDS:g} s"}
    return {name: dict(results.get(name) or late) for name in checks}


def _heartbeat(name: str, database: Result) -> Result:
    if not database["ok"]:
        return {"ok": False, "error": "unknown: the database did not answer"}
    beat_at = database["heartbeats"].get(name)
    if beat_at is None:
        return {"ok": False, "error": f"no heartbeat from a worker of the {name!r} role yet"}
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    age = clock.now() - beat_at
    result = {
        "ok": age <= max_age,
        "last_heartbeat_at": beat_at.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
    }
    if age > max_age:
        result["error"] = f"last heartbeat older than {max_age.seconds}s"
    return result


def readiness() -> dict[str, Result]:
    """Every component's state: database, broker, cache, and the heartbeat of the default and
    the paging workers (each written every 15 s by a task on its queue). Never waits more than
    CHECK_SECONDS, whatever hangs."""
    components = _checked_in_parallel(
        {"database": _check_database, "broker": _check_broker, "cache": _check_cache}
    )
    database = components["database"]
    for component, heartbeat in HEARTBEATS.items():
        components[component] = _heartbeat(heartbeat, database)
    database.pop("heartbeats", None)
    return components
