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
from pathlib import Path

import pytest
from django.utils import timezone

from oncall.models import Page, PageStatus
from oncall.tasks import escalation_tick_task
from tests.concurrency import broker_switched_to, wait_for
from tests.oncall.conftest import declare, person, policy_of

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
INCIDENTS = 30


@pytest.fixture
def celery_worker_env(request, standins):
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(standins.smtp.port)}
    if getattr(request, "param", None) == "default-lease":
        return env  # production's lease (12 s) and re-queue interval
    env |= {"FIREBELL_PAGE_LEASE_SECONDS": "2", "FIREBELL_PAGE_REQUEUE_SECONDS": "1"}
    if getattr(request, "param", None) == "private-redis":
        env["CELERY_BROKER_URL"] = request.getfixturevalue("private_redis").url
    return env


def worker_started_again(worker, log_path: Path) -> subprocess.Popen:
    """The same worker command again, as a process supervisor would restart it."""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            worker.process.args,
            cwd=os.getcwd(),
            env=worker.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def group_stopped(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def test_a_worker_killed_mid_escalation_is_finished_by_the_sweep_after_restart_without_duplicates(
    celery_worker_process, standins, tmp_path
):
    worker = celery_worker_process
    responder = person("kim-killed")
    policy = policy_of("Faulty", (60, [responder]))
    standins.smtp.hold_after(3)  # the worker is mid-run when it is killed, however fast it is
    for n in range(INCIDENTS):
        declare(policy, at=timezone.now(), title=f"Fault {n}")
    wait_for(standins.smtp.holding, what="the first e-mails", log=worker.log)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    standins.smtp.release()

    log_path = tmp_path / "restarted-worker.log"
    restarted = worker_started_again(worker, log_path)
    try:
        wait_for(lambda: " ready." in log_path.read_text(), what="the restarted worker")

        def finished() -> bool:
            escalation_tick_task.delay()  # the beat's job: sweep what the killed worker left
            return Page.objects.filter(status=PageStatus.SENT).count() == INCIDENTS

        wait_for(finished, what="every page sent", interval=0.5, log=log_path.read_text)
    finally:
        group_stopped(restarted)
    pages = Page.objects.all()
    assert pages.count() == INCIDENTS  # one Page per incident: no step ran twice
    emails = standins.emails_to(responder)
    retried = sum(page.attempts - 1 for page in pages)
    # A send cut off between the SMTP answer and the database write is sent again (at least
    # once); anything else exactly once.
    assert INCIDENTS <= len(emails) <= INCIDENTS + retried


# --- A page cut off mid-send: retried within one short lease, not sent twice --------------------


@pytest.mark.parametrize(
    "celery_worker_env", [pytest.param("default-lease", id="default-lease")], indirect=True
)
def test_a_page_whose_worker_died_mid_send_goes_out_once_within_a_short_lease(
    celery_worker_process, standins, tmp_path
):
    """The SMTP stand-in holds its answer to the message, so the worker is inside the send when
    it is killed; the server drops the unanswered message (as SMTP servers do), so the first send
    did not happen, and the person must get exactly one e-mail, from the retry. The deadline is
    well under the old 120-second lease: a page waiting for a long lease fails this test."""
    worker = celery_worker_process
    responder = person("sid-sigkill")
    standins.smtp.hold_after(0)
    incident = declare(policy_of("Cut off", (60, [responder])), at=timezone.now())
    wait_for(standins.smtp.holding, what="the worker inside the send", log=worker.log)
    wait_for(
        lambda: Page.objects.filter(incident=incident, lease_until__isnull=False).exists(),
        what="the page claimed",
    )
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    # Released only once the server has seen the sender hang up and dropped the message;
    # released before, the server could still accept it (the "send happened" case).
    wait_for(lambda: standins.smtp.held == 0, what="the SMTP server to drop the cut-off message")
    standins.smtp.release()

    log_path = tmp_path / "restarted-worker.log"
    restarted = worker_started_again(worker, log_path)
    try:

        def sent() -> bool:
            escalation_tick_task.delay()  # the beat's job, every half second here
            return Page.objects.filter(incident=incident, status=PageStatus.SENT).exists()

        wait_for(sent, what="the page sent again", timeout=45, interval=0.5, log=log_path.read_text)
    finally:
        group_stopped(restarted)
    page = Page.objects.get(incident=incident)
    assert page.attempts == 2  # the cut-off attempt, then the retry
    assert len(standins.emails_to(responder)) == 1
    assert "lease expired" in log_path.read_text()


def test_a_slow_but_live_send_keeps_its_page_however_many_leases_it_takes(
    celery_worker_process, standins
):
    """Lease 2 s here: the sender renews it while the SMTP stand-in keeps it waiting, so the
    ticks meanwhile never hand the page to another attempt."""
    responder = person("sam-slow")
    standins.smtp.hold_after(0)
    incident = declare(policy_of("Slow", (60, [responder])), at=timezone.now())
    wait_for(standins.smtp.holding, what="the worker inside the send")
    leases: set = set()

    def renewed_twice() -> bool:
        escalation_tick_task.delay()  # the beat's job: it must find nothing to take over
        leases.update(
            Page.objects.filter(incident=incident, lease_until__isnull=False).values_list(
                "lease_until", flat=True
            )
        )
        return len(leases) >= 3

    wait_for(renewed_twice, what="the lease renewed twice", interval=0.3)
    standins.smtp.release()
    wait_for(
        lambda: Page.objects.filter(incident=incident, status=PageStatus.SENT).exists(),
        what="the page sent",
        log=celery_worker_process.log,
    )
    assert Page.objects.get(incident=incident).attempts == 1
    assert len(standins.emails_to(responder)) == 1


# --- Redis restarted mid-run --------------------------------------------------------------------


@pytest.fixture
def publish_to(private_redis):
    """Tasks the test queues go to the private Redis too (as the web process's would)."""
    with broker_switched_to(private_redis.url):
        yield


@pytest.mark.parametrize(
    "celery_worker_env", [pytest.param("private-redis", id="private-redis")], indirect=True
)
def test_a_redis_restart_mid_escalation_loses_no_page_and_sends_none_twice(
    private_redis, celery_worker_process, publish_to, standins, tmp_path
):
    responder = person("rae-restart")
    policy = policy_of("Restart", (60, [responder]))
    standins.smtp.hold_after(3)  # Redis restarts mid-run, however fast the worker is
    for n in range(INCIDENTS):
        declare(policy, at=timezone.now(), title=f"Restart {n}")
    wait_for(standins.smtp.holding, what="the first e-mails", log=celery_worker_process.log)
    private_redis.restart()  # every queued step and delivery task is gone with it
    standins.smtp.release()
    # The worker either reconnects or (a kombu reconnect failure seen here) exits; in
    # production its supervisor starts it again, and so does this test.
    restarts: list[subprocess.Popen] = []
    restart_log = tmp_path / "supervised-worker.log"

    def finished() -> bool:
        current = restarts[-1] if restarts else celery_worker_process.process
        if current.poll() is not None:
            restarts.append(worker_started_again(celery_worker_process, restart_log))
        escalation_tick_task.delay()  # the beat's job, after the broker is back
        return Page.objects.filter(status=PageStatus.SENT).count() == INCIDENTS

    def logs() -> str:
        restarted = restart_log.read_text(errors="replace") if restart_log.exists() else ""
        return celery_worker_process.log() + restarted

    try:
        wait_for(finished, what="every page sent", timeout=120, interval=0.5, log=logs)
    finally:
        for process in restarts:
            group_stopped(process)
    pages = Page.objects.all()
    assert pages.count() == INCIDENTS
    retried = sum(page.attempts - 1 for page in pages)
    assert INCIDENTS <= len(standins.emails_to(responder)) <= INCIDENTS + retried
