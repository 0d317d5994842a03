"""Losing every queued message (what a Redis restart without persistence does) loses no page:
the database holds every due step and pending page, and the beat sweep finds them.

The broker is a private redis-server started by the test (tests/concurrency.py): purging it is what
a restart without persistence does to the queued messages, and it holds only this test's tasks.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from firebell.celery import app as celery_app
from oncall.models import Page, PageStatus
from oncall.services import escalation_step, pages_enqueue_due
from tests.concurrency import broker_switched_to
from tests.oncall.conftest import T0, after_commit, declare, person, policy_of, tick

pytestmark = pytest.mark.redis


@pytest.fixture
def tasks_to_the_broker(private_redis):
    """Queued tasks go to a Redis of this test's own instead of running in-process: nothing else
    queues there, so what it holds is exactly what the test queued (and purging it touches no
    other test's or session's queue)."""
    celery_app.conf.task_always_eager = False
    try:
        with broker_switched_to(private_redis.url):
            yield
    finally:
        celery_app.conf.task_always_eager = True


def test_steps_and_deliveries_lost_with_the_broker_are_recovered_by_the_sweep_exactly_once(
    db, standins, tasks_to_the_broker
):
    first, second = person("fran-first"), person("stu-second")
    policy = policy_of("Lossy", (5, [first]), (5, [second]))
    for n in range(5):
        declare(policy, title=f"Lost {n}")  # each queues its first step on the broker
    assert celery_app.control.purge() == 5  # ... and the broker loses them all
    assert not Page.objects.exists()
    celery_app.conf.task_always_eager = True  # from now on the tick's tasks run in-process
    assert tick(T0 + timedelta(seconds=10))["steps"] == 0  # queued recently: may yet run
    assert tick(T0 + timedelta(seconds=16))["steps"] == 5  # its queue mark is stale: again
    assert len(standins.emails_to(first)) == 5
    tick(T0 + timedelta(minutes=5, seconds=16))  # level 2: five minutes after level 1's step
    assert len(standins.emails_to(second)) == 5
    assert Page.objects.filter(status=PageStatus.SENT).count() == 10


def test_a_delivery_lost_with_the_broker_is_requeued_once_its_queue_mark_is_stale(
    db, standins, tasks_to_the_broker
):
    only = person("oli-only")
    incident = declare(policy_of("Lossy", (30, [only])))
    with clock.frozen_at(T0), after_commit():
        escalation_step(incident.pk)  # as a worker would: its delivery task goes to the broker
    assert celery_app.control.purge() == 2  # the first step's task and the delivery: lost
    celery_app.conf.task_always_eager = True
    assert Page.objects.get(incident=incident).status == PageStatus.PENDING
    assert tick(T0 + timedelta(seconds=10))["deliveries"] == 0  # queued recently: not yet
    assert tick(T0 + timedelta(seconds=16))["deliveries"] == 1
    assert len(standins.emails_to(only)) == 1
    assert tick(T0 + timedelta(minutes=5))["deliveries"] == 0


def test_a_page_waiting_behind_a_backlog_is_requeued_with_backoff_not_every_interval(
    db, standins, tasks_to_the_broker
):
    only = person("bea-backlog")
    incident = declare(policy_of("Backlog", (30, [only])))
    with clock.frozen_at(T0), after_commit():
        escalation_step(incident.pk)  # its delivery task waits on the broker behind a long queue
    page = Page.objects.get(incident=incident)
    requeued_at = []
    for second in range(0, 600, 5):  # ten minutes of ticks; nothing reaches a worker
        at = T0 + timedelta(seconds=second)
        with clock.frozen_at(at):
            if pages_enqueue_due():
                requeued_at.append(second)
    page.refresh_from_db()
    assert page.status == PageStatus.PENDING
    # Every 15 s would be 37 re-queues; backing off (queued again once the wait since the last
    # queueing exceeds half the time since due) gives a handful, further and further apart.
    assert requeued_at == [20, 40, 80, 160, 320]
    celery_app.control.purge()
