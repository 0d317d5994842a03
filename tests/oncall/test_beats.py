"""Two beat processes at once (marker `worker`): each periodic job is claimed in the database
before it is sent (core.beat.ClaimingScheduler), so running beat on two machines — no single
point of failure — doubles neither a job nor a page.

Real processes for a minute: two `celery beat` and one worker, on the test database and broker;
escalations with a level every 6 seconds keep steps and deliveries coming due all along.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import PeriodicJobRun
from incidents.models import TimelineEvent
from oncall.models import Page, PageStatus
from tests.concurrency import wait_for
from tests.oncall.conftest import declare, person, policy_of
from tests.oncall.test_faults import group_stopped

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
RUN_SECONDS = 60
INCIDENTS = 4
TENTH_OF_A_MINUTE = 0.1  # a level every 6 seconds


@pytest.fixture
def celery_worker_env(standins):
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(standins.smtp.port)}


def beat_started(worker, directory: Path, number: int) -> tuple[subprocess.Popen, Path]:
    log_path = directory / f"beat-{number}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                *worker.process.args[:3],  # python -m celery
                *("-A", "firebell", "beat", "--loglevel", "INFO"),
                *("--schedule", str(directory / f"beat-{number}-schedule")),
            ],
            cwd=settings.BASE_DIR,
            env=worker.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log_path


def test_two_beats_for_a_minute_send_each_tick_once_and_never_double_a_page(
    celery_worker_process, standins, tmp_path
):
    worker = celery_worker_process
    people = [person(f"bea-beat-{n}") for n in range(3)]
    policy = policy_of(
        "Two beats", *[(TENTH_OF_A_MINUTE, [someone]) for someone in people], repeat=2
    )
    beats = [beat_started(worker, tmp_path, number) for number in (1, 2)]
    try:
        for _, log_path in beats:
            wait_for(lambda p=log_path: "beat: Starting" in p.read_text(), what="both beats")
        started = time.monotonic()
        for n in range(INCIDENTS):
            declare(policy, at=timezone.now(), title=f"Two beats {n}")
        wait_for(
            lambda: time.monotonic() - started > RUN_SECONDS,  # the scenario's length
            what="a minute of two beats",
            timeout=RUN_SECONDS + 10,
            interval=1,
        )
        elapsed = time.monotonic() - started
        for process, log_path in beats:
            assert process.poll() is None, log_path.read_text()[-3000:]
    finally:
        for process, _ in beats:
            group_stopped(process)
    wait_for(
        lambda: not Page.objects.filter(status=PageStatus.PENDING).exists(),
        what="the last deliveries",
        log=worker.log,
    )

    steps = Counter(
        (event.incident_id, event.data["round"], event.data["level"])
        for event in TimelineEvent.objects.filter(kind="escalation.level_paged")
    )
    assert len(steps) >= INCIDENTS * 3  # escalation went on, beyond the first level
    assert max(steps.values()) == 1  # no step was paged twice
    for someone in people:
        sent = Page.objects.filter(user=someone, status=PageStatus.SENT)
        assert len(standins.emails_to(someone)) == sent.count()  # one e-mail per page
    assert set(Page.objects.values_list("attempts", flat=True)) <= {0, 1}
    # Both beats sent the tick every second; claimed, it reached the worker about once a second
    # (unclaimed it would be twice).
    ticks = worker.log().count("oncall.tasks.escalation_tick_task[")
    received = ticks // 2  # "received" and "succeeded" lines
    assert received < 1.5 * elapsed, f"{received} ticks in {elapsed:.0f} s"  # unclaimed: 121
    assert PeriodicJobRun.objects.filter(name="escalation-tick").exists()
