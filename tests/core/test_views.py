from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client

from core import clock
from core.services import worker_heartbeat_record
from firebell.celery import app as celery_app


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


@pytest.mark.django_db
def test_readyz_is_200_when_database_broker_and_a_fresh_worker_heartbeat_answer(
    client: Client,
) -> None:
    worker_heartbeat_record()

    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert {name: part["ok"] for name, part in body["components"].items()} == {
        "database": True,
        "broker": True,
        "worker": True,
    }


@pytest.mark.django_db
def test_readyz_is_503_naming_the_worker_when_no_heartbeat_was_ever_recorded(
    client: Client,
) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    components = response.json()["components"]
    assert components["worker"] == {"ok": False, "error": "no Celery worker heartbeat recorded yet"}
    assert components["database"]["ok"]
    assert components["broker"]["ok"]


@pytest.mark.django_db
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


@pytest.mark.django_db
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
