"""The outbox with real parts: a Celery worker process sends the decision to a local receiver
that is down at first (503), and the retry after it is back delivers it, signed."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from core.services import defaults_ensure
from moderation.models import Delivery
from moderation.services.decisions import DecisionTerms, item_decide
from moderation.tasks import deliveries_sweep_task
from tests.moderation.conftest import member_of, open_item
from tests.standins.http import RecordingHTTPServer

SECRET = "worker-shared-secret"


@pytest.fixture
def platform_receiver():
    server = RecordingHTTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def celery_worker_env(platform_receiver) -> dict[str, str]:
    return {
        "FIREBELL_MODERATION_WEBHOOK_URL": f"{platform_receiver.url}/hook",
        "FIREBELL_MODERATION_WEBHOOK_SECRET": SECRET,
        "FIREBELL_MODERATION_RETRY_BASE_SECONDS": "1",
    }


def _until(condition, what: str, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what}")


@pytest.mark.postgres
@pytest.mark.worker
def test_a_decision_reaches_the_platform_through_the_worker_after_it_was_down(
    celery_worker_process, platform_receiver
):
    defaults_ensure()
    moderator = member_of("Moderator", "mona")
    platform_receiver.respond("/hook", status=503, body=b"maintenance")
    item = open_item()
    item_decide(item=item, actor=moderator, terms=DecisionTerms("approve"), source="web")
    _until(
        lambda: Delivery.objects.filter(attempts__gte=1, status="pending").exists(),
        "the first attempt to fail",
    )
    platform_receiver.respond("/hook", status=200, json={"ok": True})

    def delivered() -> bool:
        deliveries_sweep_task.apply_async()  # what beat does every 10 s
        return Delivery.objects.filter(status="delivered").exists()

    _until(delivered, "the retry to deliver")
    last = platform_receiver.requests[-1]
    timestamp = last.headers["X-Firebell-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(
            SECRET.encode(), timestamp.encode() + b"." + last.body, hashlib.sha256
        ).hexdigest()
    )
    assert last.headers["X-Firebell-Signature"] == expected
    assert last.json()["decision"]["action"] == "approve"
    assert Delivery.objects.get().attempts >= 2
