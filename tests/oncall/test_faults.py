"""Faults with a real Celery worker (marker `worker`): a worker killed with SIGKILL mid-escalation.

The worker runs in another process, out of reach of the test's clock seam, so it gets a short
page lease (FIREBELL_PAGE_LEASE_SECONDS=2): a page whose send was cut off by the kill becomes
claimable again after that. The test polls for the outcome; it never sleeps for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest
from django.utils import timezone

from oncall.models import Page, PageStatus
from oncall.tasks import escalation_tick_task
from tests.oncall.conftest import declare, person, policy_of

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
INCIDENTS = 30


@pytest.fixture
def celery_worker_env(standins):
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(standins.smtp.port),
        "FIREBELL_PAGE_LEASE_SECONDS": "2",
        "FIREBELL_PAGE_REQUEUE_SECONDS": "1",
    }


def wait_for(condition, *, what: str, timeout=60.0, interval=0.1, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log()[-3000:]}"
        time.sleep(interval)  # polling for an outcome, not waiting for a moment


def test_a_worker_killed_mid_escalation_is_finished_by_the_sweep_after_restart_without_duplicates(
    celery_worker_process, standins, tmp_path
):
    worker = celery_worker_process
    responder = person("kim-killed")
    policy = policy_of("Faulty", (60, [responder]))
    for n in range(INCIDENTS):
        declare(policy, at=timezone.now(), title=f"Fault {n}")
    wait_for(lambda: len(standins.smtp.messages) >= 3, what="the first e-mails", log=worker.log)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    sent_before_kill = len(standins.smtp.messages)

    log_path = tmp_path / "restarted-worker.log"
    with log_path.open("wb") as log_file:
        restarted = subprocess.Popen(
            worker.process.args,
            cwd=os.getcwd(),
            env=worker.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: " ready." in log_path.read_text(), what="the restarted worker")

        def finished() -> bool:
            escalation_tick_task.delay()  # the beat's job: sweep what the killed worker left
            return Page.objects.filter(status=PageStatus.SENT).count() == INCIDENTS

        wait_for(finished, what="every page sent", interval=0.5, log=log_path.read_text)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(timeout=15)
    pages = Page.objects.all()
    assert pages.count() == INCIDENTS  # one Page per incident: no step ran twice
    emails = standins.emails_to(responder)
    retried = sum(page.attempts - 1 for page in pages)
    # A send cut off between the SMTP answer and the database write is sent again (at least
    # once); anything else exactly once.
    assert INCIDENTS <= len(emails) <= INCIDENTS + retried
    assert sent_before_kill < INCIDENTS, "the kill came after everything was sent: not a fault"
