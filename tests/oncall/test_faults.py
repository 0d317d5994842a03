"""Faults with a real Celery worker (marker `worker`): a worker killed with SIGKILL mid-escalation.

The worker runs in another process, out of reach of the test's clock seam, so it gets a short
page lease (FIREBELL_PAGE_LEASE_SECONDS=2): a page whose send was cut off by the kill becomes
claimable again after that. The test polls for the outcome; it never sleeps for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from oncall.models import Page, PageStatus
from oncall.tasks import escalation_tick_task
from tests.concurrency import broker_switched_to
from tests.oncall.conftest import declare, person, policy_of

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
INCIDENTS = 30


@pytest.fixture
def celery_worker_env(request, standins):
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(standins.smtp.port),
        "FIREBELL_PAGE_LEASE_SECONDS": "2",
        "FIREBELL_PAGE_REQUEUE_SECONDS": "1",
    }
    if getattr(request, "param", None) == "private-redis":
        env["CELERY_BROKER_URL"] = request.getfixturevalue("private_redis").url
    return env


def wait_for(condition, *, what: str, timeout=60.0, interval=0.1, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log()[-3000:]}"
        time.sleep(interval)  # polling for an outcome, not waiting for a moment


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
    for n in range(INCIDENTS):
        declare(policy, at=timezone.now(), title=f"Fault {n}")
    wait_for(lambda: len(standins.smtp.messages) >= 3, what="the first e-mails", log=worker.log)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    sent_before_kill = len(standins.smtp.messages)

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
    assert sent_before_kill < INCIDENTS, "the kill came after everything was sent: not a fault"


# --- Redis restarted mid-run --------------------------------------------------------------------


@dataclass
class PrivateRedis:
    """A redis-server of the test's own (no persistence, like production's broker here), so it
    can be restarted without touching the shared server's other databases."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._answers(client), what="the private Redis to answer", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as abrupt as a crash: nothing queued survives
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis(tmp_path) -> PrivateRedis:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port=port, directory=tmp_path)
    server.start()
    yield server
    server.stop()


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
    for n in range(INCIDENTS):
        declare(policy, at=timezone.now(), title=f"Restart {n}")
    wait_for(
        lambda: len(standins.smtp.messages) >= 3,
        what="the first e-mails",
        log=celery_worker_process.log,
    )
    private_redis.restart()  # every queued step and delivery task is gone with it
    sent_before_restart = len(standins.smtp.messages)
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
    assert sent_before_restart < INCIDENTS, "the restart came after everything was sent"
