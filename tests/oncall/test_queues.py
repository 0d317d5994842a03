"""Paging travels on its own queue (marker `worker`): real worker processes, the test broker.

An alert storm fills the default queue with work; a page must still go out at once, both with a
worker of its own (production's `paging` worker) and with one worker consuming both queues
(`make run`, a small installation), which always takes from the paging queue first. Each test
floods the default queue with more work than its workers can finish while the page is sent, and
checks the flood was still waiting when the e-mail arrived — an outcome, never a duration.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from core.tasks import worker_heartbeat_task
from firebell.celery import app as celery_app
from oncall.models import Page, PageStatus
from oncall.tasks import escalation_step_task, escalation_tick_task, page_deliver_task
from tests.concurrency import wait_for
from tests.conftest import CeleryWorkerProcess
from tests.oncall.conftest import declare, person, policy_of
from tests.oncall.test_faults import group_stopped

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
FLOOD = 4000
DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.fixture
def celery_worker_env(standins):
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(standins.smtp.port)}


def waiting_in(queue: str) -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue)


def default_queue_flooded(count: int = FLOOD) -> None:
    """`count` small database tasks on the default queue, published over one connection."""
    with celery_app.producer_or_acquire() as producer:
        for _ in range(count):
            worker_heartbeat_task.apply_async(producer=producer)


def page_sent_while_the_flood_waits(standins, worker_log) -> int:
    """Declare an incident; return how many default-queue tasks still waited once it was paged."""
    responder = person("quinn-queued")
    declare(policy_of("Queued", (60, [responder])), at=timezone.now(), title="Storm-time page")
    waiting: list[int] = []

    def paged() -> bool:
        if standins.emails_to(responder):
            waiting.append(waiting_in(DEFAULT_QUEUE))
        return bool(waiting)

    wait_for(paged, what="the page's e-mail", timeout=120, log=worker_log)
    wait_for(lambda: Page.objects.get().status == PageStatus.SENT, what="the page recorded as sent")
    return waiting[0]


def worker_on(worker: CeleryWorkerProcess, queues: str, log_path: Path) -> subprocess.Popen:
    """Another worker like `worker` (same environment) consuming `queues` only."""
    args = [*worker.process.args[:-2], "-Q", queues, "--hostname", f"{queues}-{os.getpid()}@%h"]
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=worker.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_every_paging_task_is_routed_to_the_paging_queue_and_intake_to_the_default_one():
    route = celery_app.amqp.router.route
    for task in (escalation_step_task, escalation_tick_task, page_deliver_task):
        assert route({}, task.name)["queue"].name == settings.PAGING_QUEUE
    assert route({}, "alerts.tasks.delivery_process_task")["queue"].name == DEFAULT_QUEUE


@pytest.mark.parametrize("celery_worker_args", [["-Q", "paging"]])
def test_a_page_goes_out_through_the_paging_worker_while_the_default_queue_is_flooded(
    celery_worker_process, standins, tmp_path
):
    default_log = tmp_path / "default-worker.log"
    default_worker = worker_on(celery_worker_process, DEFAULT_QUEUE, default_log)
    try:
        default_queue_flooded()
        wait_for(lambda: "ready." in default_log.read_text(), what="the default worker")
        assert waiting_in(DEFAULT_QUEUE) > 0
        still_waiting = page_sent_while_the_flood_waits(standins, celery_worker_process.log)
        assert still_waiting > 0, "the flood was gone before the page: the test proved nothing"
    finally:
        group_stopped(default_worker)
        celery_app.control.purge()


@pytest.mark.parametrize(
    "celery_worker_args", [["-Q", "paging,celery", "--prefetch-multiplier", "1"]]
)
def test_a_worker_consuming_both_queues_takes_the_page_before_the_flood(
    celery_worker_process, standins
):
    default_queue_flooded()
    assert waiting_in(DEFAULT_QUEUE) > 0
    still_waiting = page_sent_while_the_flood_waits(standins, celery_worker_process.log)
    assert still_waiting > 0, "the flood was gone before the page: the test proved nothing"
    celery_app.control.purge()
