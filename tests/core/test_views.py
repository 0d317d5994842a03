from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client

from core import clock
from core.health import CHECK_SECONDS, _checked_in_parallel
from core.services import worker_heartbeat_record
from firebell.celery import app as celery_app
from tests.concurrency import PrivateRedis, broker_switched_to


@pytest.fixture
def unreachable_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the Celery app at a closed port. The environment variable wins over the setting in
    Celery, so both change, and the embedded broker's transport goes; all are restored after."""
    closed = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", closed)
    monkeypatch.setattr(celery_app.conf, "broker_url", closed)
    transport = celery_app.conf.get("broker_transport")
    celery_app.conf.broker_transport = None
    yield
    celery_app.conf.broker_transport = transport


def test_healthz_answers_200_without_touching_any_dependency(client: Client) -> None:
    # No django_db mark: pytest-django fails any database access here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)  # the checks run in threads of their own
def test_readyz_is_200_when_database_broker_and_a_fresh_worker_heartbeat_answer(
    client: Client,
) -> None:
    worker_heartbeat_record()
    worker_heartbeat_record("paging")

    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert {name: part["ok"] for name, part in body["components"].items()} == {
        "database": True,
        "broker": True,
        "cache": True,
        "worker": True,
        "paging_worker": True,
    }


@pytest.mark.django_db(transaction=True)  # the checks run in threads of their own
def test_readyz_is_503_naming_the_worker_when_no_heartbeat_was_ever_recorded(
    client: Client,
) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    components = response.json()["components"]
    assert components["worker"] == {
        "ok": False,
        "error": "no heartbeat from a worker of the 'worker' role yet",
    }
    assert components["database"]["ok"]
    assert components["broker"]["ok"]


@pytest.mark.django_db(transaction=True)  # the checks run in threads of their own
def test_readyz_is_503_naming_the_worker_when_the_heartbeat_is_stale(
    client: Client, settings
) -> None:
    heartbeat = worker_heartbeat_record()
    later = heartbeat.beat_at + timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 1)

    with clock.frozen_at(later):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    worker = body["components"]["worker"]
    assert not worker["ok"]
    assert "older than" in worker["error"]
    assert worker["age_seconds"] == settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 1


@pytest.mark.django_db(transaction=True)  # the checks run in threads of their own
@pytest.mark.usefixtures("unreachable_broker")
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client: Client) -> None:
    worker_heartbeat_record()

    response = client.get("/readyz")

    assert response.status_code == 503
    components = response.json()["components"]
    assert not components["broker"]["ok"]
    assert components["broker"]["error"]
    assert components["database"]["ok"]
    assert components["worker"]["ok"]


# --- Whatever hangs, /readyz answers: a private Redis frozen with SIGSTOP ----------------------


@pytest.fixture
def frozen_redis(tmp_path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, stopped with SIGSTOP: connections open, nothing
    answers (a client without a socket timeout waits forever)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port=port, directory=tmp_path)
    server.start()
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield server
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


FROZEN = "TimeoutError: Timeout reading from socket"  # redis-py's own socket timeout, named


def ready_in_time(client: Client) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.get("/readyz")
    return response.status_code, response.json()["components"], time.monotonic() - started


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_readyz_answers_in_time_naming_a_frozen_broker(
    client: Client, frozen_redis: PrivateRedis
) -> None:
    worker_heartbeat_record()
    worker_heartbeat_record("paging")
    with broker_switched_to(frozen_redis.url):
        status, components, took = ready_in_time(client)
        again_status, again, _ = ready_in_time(client)

    assert status == 503
    assert took < 10, f"/readyz took {took:.1f} s"  # the limit is 2 s; a hang would be forever
    assert components["broker"] == {
        "ok": False,
        "error": "TimeoutError: Timeout reading from socket",
    }
    assert all(components[name]["ok"] for name in ("database", "cache", "worker", "paging_worker"))
    assert again_status == 503
    assert again["broker"] == components["broker"]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_readyz_answers_in_time_naming_a_frozen_cache(
    client: Client, frozen_redis: PrivateRedis, settings
) -> None:
    worker_heartbeat_record()
    worker_heartbeat_record("paging")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": frozen_redis.url,
        }
    }

    status, components, took = ready_in_time(client)

    assert status == 503
    assert took < 10, f"/readyz took {took:.1f} s"
    assert components["cache"] == {
        "ok": False,
        "error": "TimeoutError: Timeout reading from socket",
    }
    assert components["broker"]["ok"]
    assert components["database"]["ok"]


def test_healthz_answers_at_once_while_the_broker_is_frozen(
    client: Client, frozen_redis: PrivateRedis
) -> None:
    with broker_switched_to(frozen_redis.url):
        assert client.get("/healthz").status_code == 200


# --- The hard limit itself: a check that never answers (what a frozen database connection does) --


def test_a_check_that_never_answers_is_reported_after_the_limit_and_not_started_twice() -> None:
    release = threading.Event()
    started: list[int] = []

    def hanging() -> dict:
        started.append(1)
        release.wait(60)
        return {"ok": True}

    try:
        began = time.monotonic()
        first = _checked_in_parallel({"database": hanging, "quick": lambda: {"ok": True}})
        took = time.monotonic() - began
        second = _checked_in_parallel({"database": hanging})
    finally:
        release.set()

    assert first == {
        "database": {"ok": False, "error": f"no answer within {CHECK_SECONDS:g} s"},
        "quick": {"ok": True},
    }
    assert took < 10, f"{took:.1f} s"  # the limit is 2 s; without it, 60
    assert not second["database"]["ok"]
    assert second["database"]["error"].startswith("no answer to a check for ")
    assert started == [1]  # one thread per component at most
