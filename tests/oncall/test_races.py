"""Races on PostgreSQL: several "workers" (threads, each with its own database connection) and the
beat sweep on the same due incidents; acknowledgements racing due steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q

from core import clock
from incidents import services as incident_services
from incidents.models import Source
from oncall import services
from oncall.models import Page, PageStatus
from tests.concurrency import run_together
from tests.oncall.conftest import T0, declare, person, policy_of

pytestmark = pytest.mark.postgres
INCIDENTS = 24


@pytest.fixture
def due_incidents(transactional_db, standins):
    first, second = person("fay-first"), person("sid-second")
    policy = policy_of("Race", (5, [first]), (5, [second]))
    incidents = [declare(policy, title=f"Race {n}") for n in range(INCIDENTS)]
    assert len(standins.emails_to(first)) == INCIDENTS
    return incidents, second


def test_two_workers_and_the_sweep_page_each_due_level_exactly_once(due_incidents, standins):
    incidents, second = due_incidents
    ids = [incident.pk for incident in incidents]

    def worker(order):
        for incident_id in order:
            services.escalation_step(incident_id)

    with clock.frozen_at(T0 + timedelta(minutes=5)):
        errors = run_together(
            lambda: worker(ids),
            lambda: worker(list(reversed(ids))),
            services.escalation_tick,
            services.escalation_tick,
        )
        assert errors == []
        services.escalation_tick()  # anything skipped as locked is done now
    level_two = Page.objects.filter(level=2)
    assert level_two.count() == INCIDENTS
    assert set(level_two.values_list("status", flat=True)) == {PageStatus.SENT}
    assert len(standins.emails_to(second)) == INCIDENTS
    assert all(page.attempts == 1 for page in level_two)


def test_an_acknowledgement_racing_a_due_step_is_never_followed_by_a_page(due_incidents, standins):
    incidents, second = due_incidents
    claimed_before_ack: dict[int, set[int]] = {}

    def acknowledge_all():
        for incident in incidents:
            incident_services.incident_acknowledge(incident=incident, actor=None, source=Source.API)
            # After the commit nothing new can be created or claimed: take the set of pages
            # that were claimed (leased or sent) by then.
            claimed_before_ack[incident.pk] = set(
                Page.objects.filter(incident=incident, level=2)
                .filter(Q(status=PageStatus.SENT) | Q(lease_until__isnull=False))
                .values_list("pk", flat=True)
            )

    with clock.frozen_at(T0 + timedelta(minutes=5)):
        errors = run_together(acknowledge_all, services.escalation_tick, services.escalation_tick)
        assert errors == []
        services.escalation_tick()
    sent = Page.objects.filter(level=2, status=PageStatus.SENT)
    for page in sent:
        assert page.pk in claimed_before_ack[page.incident_id], f"page {page.pk} after the ack"
    assert not Page.objects.filter(level=2, status=PageStatus.PENDING).exists()
    assert len(standins.emails_to(second)) == sent.count()
