"""The web tier never waits on the broker (issue 12, item 5): with the broker's Redis frozen by
SIGSTOP (sockets stay open, so a client without timeouts waits forever), gunicorn keeps answering
/healthz, webhooks are stored and answered 202, and after SIGCONT every delivery is processed."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from alerts.models import Alert, AlertDelivery, DeliveryStatus
from tests.concurrency import PrivateRedis, wait_for

FROZEN_SECONDS = 20
HEALTHZ_DEADLINE = 1.0  # a deadline, generous against the few ms it takes; not a speed claim
WEBHOOK_DEADLINE = 5.0


@pytest.fixture
def private_broker(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port=port, directory=tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            os.kill(server.process.pid, signal.SIGCONT)  # never leave it frozen
        server.stop()


@pytest.fixture
def web_server_env(private_broker) -> dict[str, str]:
    return {"CELERY_BROKER_URL": private_broker.url}


@pytest.fixture
def celery_worker_env(private_broker) -> dict[str, str]:
    return {"CELERY_BROKER_URL": private_broker.url}


def _timed(request: urllib.request.Request | str, deadline: float) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=deadline * 3) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # no answer at all within three times the deadline
    return status, time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_frozen_broker_holds_up_no_request_and_loses_no_delivery(
    make_integration, private_broker, web_server_process, celery_worker_process
):
    integration = make_integration(kind="generic")
    hook = f"{web_server_process.url}/hooks/generic/{integration.test_key}"

    def webhook() -> urllib.request.Request:
        body = {"title": "Queue depth above 10k", "dedup_key": "orders-queue-depth"}
        return urllib.request.Request(
            hook, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    assert _timed(webhook(), WEBHOOK_DEADLINE)[0] == 202
    wait_for(
        lambda: Alert.objects.filter(incident__isnull=False).exists(),
        what="the first alert to be processed",
        log=celery_worker_process.log,
    )

    os.kill(private_broker.process.pid, signal.SIGSTOP)
    hooks: list[tuple[int, float]] = []
    checks: list[tuple[int, float]] = []
    stop = threading.Event()

    def post_webhooks() -> None:
        while not stop.is_set():
            hooks.append(_timed(webhook(), WEBHOOK_DEADLINE))
            time.sleep(0.2)

    # More senders than gunicorn has workers: a publish that waited would hold them all.
    senders = [threading.Thread(target=post_webhooks, daemon=True) for _ in range(4)]
    try:
        for sender in senders:
            sender.start()
        frozen_until = time.monotonic() + FROZEN_SECONDS
        while time.monotonic() < frozen_until:
            checks.append(_timed(f"{web_server_process.url}/healthz", HEALTHZ_DEADLINE))
            time.sleep(0.25)
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=60)
        os.kill(private_broker.process.pid, signal.SIGCONT)

    slow_checks = [check for check in checks if check[0] != 200 or check[1] >= HEALTHZ_DEADLINE]
    assert slow_checks == [], f"/healthz while the broker was frozen: {slow_checks}"
    assert len(checks) > 40
    slow_hooks = [hook for hook in hooks if hook[0] != 202 or hook[1] >= WEBHOOK_DEADLINE]
    assert slow_hooks == [], f"webhooks while the broker was frozen: {slow_hooks}"
    assert len(hooks) > 40

    accepted = 1 + len(hooks)
    assert AlertDelivery.objects.count() == accepted
    # No beat runs here: what gets them processed is the messages the relay kept and sent.
    wait_for(
        lambda: not AlertDelivery.objects.exclude(status=DeliveryStatus.PROCESSED).exists(),
        what="every delivery to be processed after SIGCONT",
        timeout=180,
        log=celery_worker_process.log,
    )
    alert = Alert.objects.get()
    assert alert.delivery_count == accepted
