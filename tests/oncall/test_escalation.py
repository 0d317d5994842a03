"""Escalation scenarios end to end: real database, clock jumps, stand-ins for every channel."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from django.db import transaction

from core import clock
from incidents import services as incident_services
from incidents.models import Severity, TimelineEvent
from oncall import selectors, services
from oncall.models import EscalationStatus, Override, Page, PageStatus
from tests.factories import ServiceFactory
from tests.oncall.conftest import (
    T0,
    act,
    after_commit,
    declare,
    person,
    policy_of,
    schedule_of,
    tick,
)

MIN = timedelta(minutes=1)


def test_level_one_is_paged_at_once_then_level_two_after_the_delay_and_nothing_after_ack(
    oncall_world, standins
):
    world = oncall_world
    incident = declare(world["policy"])
    assert len(standins.emails_to(world["primary"])) == 1
    assert tick(T0 + 4 * MIN)["steps"] == 0
    assert tick(T0 + 5 * MIN)["steps"] == 1
    [email] = standins.emails_to(world["secondary"])
    assert "#1" in email["Subject"]
    assert "SEV-1" in email["Subject"]
    act(incident_services.incident_acknowledge, incident, T0 + 6 * MIN)
    for minutes in (21, 40, 120):
        assert tick(T0 + minutes * MIN)["steps"] == 0
    [reminder] = standins.emails_to(world["manager"])  # SEV-1 acknowledged, unresolved at 36 min
    assert "Reminder" in reminder["Subject"]
    state = selectors.incident_escalation_get(incident.pk)
    assert state.status == EscalationStatus.PAUSED
    assert state.next_step_at is None
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds.count("escalation.level_paged") == 2


def test_the_whole_policy_repeats_the_configured_number_of_rounds_then_stops(standins, db):
    lone = person("lou-lone")
    policy = policy_of("Repeat twice", (10, [lone]), repeat=2)
    incident = declare(policy)
    for minutes in (10, 20, 30, 40, 50):
        tick(T0 + minutes * MIN)
    assert len(standins.emails_to(lone)) == 3  # round 1 and two repeats
    state = selectors.incident_escalation_get(incident.pk)
    assert state.status == EscalationStatus.EXHAUSTED
    assert sorted(Page.objects.values_list("round", flat=True)) == [0, 1, 2]


def test_a_schedule_target_pages_whoever_is_on_call_at_that_moment_including_an_override(
    standins, db
):
    monday, tuesday, stand_in = person("mo-monday"), person("tu-tuesday"), person("ov-override")
    daily = schedule_of("Daily", monday, tuesday, start=T0.date(), kind="daily")
    policy = policy_of("Daily first", (60, [daily]))
    declare(policy, at=T0)  # Monday 10:00 UTC: Monday's shift (from 09:00)
    assert len(standins.emails_to(monday)) == 1
    second = declare(policy_of("Again", (60, [daily])), at=T0 + timedelta(days=1), title="Disk")
    assert len(standins.emails_to(tuesday)) == 1
    Override.objects.create(
        schedule=daily,
        user=stand_in,
        start_at=T0 + timedelta(days=1, hours=1),
        end_at=T0 + timedelta(days=1, hours=3),
    )
    act(incident_services.incident_resolve, second, T0 + timedelta(days=1, hours=1))
    declare(policy_of("Third", (60, [daily])), at=T0 + timedelta(days=1, hours=2), title="DNS")
    assert len(standins.emails_to(stand_in)) == 1


def test_sev1_acknowledged_but_unresolved_for_thirty_minutes_reminds_the_team_lead_once(
    oncall_world, standins
):
    world = oncall_world
    incident = declare(world["policy"], rank=1)
    standins.emails_to(world["primary"])
    act(incident_services.incident_acknowledge, incident, T0 + 2 * MIN)
    assert tick(T0 + 31 * MIN)["reminders"] == 0
    assert tick(T0 + 32 * MIN)["reminders"] == 1
    [reminder] = standins.emails_to(world["manager"])
    assert "Reminder" in reminder["Subject"]
    assert tick(T0 + 90 * MIN)["reminders"] == 0


def test_a_sev3_acknowledged_for_hours_reminds_nobody(oncall_world, standins):
    incident = declare(oncall_world["policy"], rank=3)
    standins.emails_to(oncall_world["primary"])
    act(incident_services.incident_acknowledge, incident, T0 + MIN)
    assert tick(T0 + 5 * 60 * MIN) == {
        "steps": 0,
        "reminders": 0,
        "ack_timeouts": 0,
        "deliveries": 0,
    }


def test_an_acknowledgement_that_times_out_returns_to_triggered_and_pages_level_one_again(
    oncall_world, standins
):
    world = oncall_world
    Severity.objects.filter(rank=2).update(ack_timeout=timedelta(minutes=20))
    incident = declare(world["policy"], rank=2)
    standins.emails_to(world["primary"])
    act(incident_services.incident_acknowledge, incident, T0 + MIN)
    assert tick(T0 + 20 * MIN)["ack_timeouts"] == 0
    assert tick(T0 + 21 * MIN)["ack_timeouts"] == 1
    incident.refresh_from_db()
    assert incident.status == "triggered"
    assert len(standins.emails_to(world["primary"])) == 1
    assert selectors.incident_escalation_get(incident.pk).cycle == 2
    tick(T0 + 26 * MIN)
    assert len(standins.emails_to(world["secondary"])) == 1


def test_the_start_hook_with_paging_off_pages_nobody_and_supersedes_the_queued_step(
    oncall_world, standins
):
    service = ServiceFactory(escalation_policy=oncall_world["policy"])
    with after_commit(), clock.frozen_at(T0), transaction.atomic():
        incident = incident_services.incident_create(
            title="Planned work",
            severity=Severity.objects.get(rank=1),
            actor=None,
            source="alert",
            services=[service],
        )
        state = services.escalation_start(incident, paging_enabled=False)
    assert state.status == EscalationStatus.STOPPED
    assert tick(T0 + 60 * MIN)["steps"] == 0
    assert not Page.objects.exists()
    assert TimelineEvent.objects.filter(incident=incident, kind="escalation.suppressed").exists()


def test_an_incident_declared_with_paging_off_pages_nobody(oncall_world, standins):
    if "paging" not in inspect.signature(incident_services.incident_create).parameters:
        pytest.skip("incident_create(paging=...) comes with alert intake (issue 3)")
    declare(oncall_world["policy"], paging=False)
    assert tick(T0 + 60 * MIN)["steps"] == 0
    assert not Page.objects.exists()


def test_resolving_cancels_pages_that_were_not_yet_due(standins, db):
    careful = person("cat-careful", high=(("email", 0), ("email", 10, "later@example.com")))
    incident = declare(policy_of("One", (30, [careful])))
    standins.emails_to(careful)
    act(incident_services.incident_resolve, incident, T0 + 2 * MIN)
    tick(T0 + 15 * MIN)
    assert list(Page.objects.order_by("id").values_list("status", flat=True)) == [
        PageStatus.SENT,
        PageStatus.CANCELLED,
    ]


def test_a_later_notification_rule_is_delivered_when_its_delay_passes(standins, db):
    layered = person("lee-layered", high=(("email", 0), ("email", 1, "phone-mail@example.com")))
    declare(policy_of("One", (30, [layered])))
    assert len(standins.emails_to(layered)) == 1
    assert tick(T0 + MIN)["deliveries"] == 1
    assert len(standins.smtp.take(to="phone-mail@example.com")) == 1


def test_escalate_now_pages_the_next_level_without_waiting(oncall_world, standins):
    incident = declare(oncall_world["policy"])
    standins.emails_to(oncall_world["primary"])
    act(services.escalation_escalate_now, incident, T0 + MIN)
    assert len(standins.emails_to(oncall_world["secondary"])) == 1
    assert tick(T0 + 5 * MIN)["steps"] == 0  # the next level is 15 minutes after the manual step
    assert tick(T0 + 16 * MIN)["steps"] == 1
    assert len(standins.emails_to(oncall_world["manager"])) == 1


def test_reassigning_to_a_person_pages_them_and_only_them_from_then_on(oncall_world, standins):
    other = person("rex-reassigned")
    incident = declare(oncall_world["policy"])
    standins.emails_to(oncall_world["primary"])
    act(services.escalation_reassign, incident, T0 + MIN, user=other)
    assert len(standins.emails_to(other)) == 1
    tick(T0 + 30 * MIN)
    assert selectors.incident_escalation_get(incident.pk).status == EscalationStatus.EXHAUSTED


def test_paging_an_extra_responder_leaves_the_escalation_as_it_was(oncall_world, standins):
    helper = person("hal-helper")
    incident = declare(oncall_world["policy"])
    standins.emails_to(oncall_world["primary"])
    act(services.page_extra_responder, incident, T0 + MIN, user=helper)
    act(services.page_extra_responder, incident, T0 + 2 * MIN, user=helper)
    assert len(standins.emails_to(helper)) == 2
    tick(T0 + 5 * MIN)
    assert len(standins.emails_to(oncall_world["secondary"])) == 1


def test_a_new_person_without_rules_gets_the_defaults_and_is_emailed(standins, db, settings):
    settings.SLACK_BOT_TOKEN = ""
    newcomer = person("nia-new", high=(), low=())
    declare(policy_of("One", (30, [newcomer])))
    assert len(standins.emails_to(newcomer)) == 1
    # Inbox and e-mail for each urgency; the page also sits in their Firebell inbox.
    assert newcomer.notification_rules.count() == 4
    assert newcomer.inbox_messages.count() == 1


def test_a_failing_channel_is_retried_with_backoff_and_never_holds_up_the_next_level(standins, db):
    standins.http.respond("/hook", status=503, body=b"down")
    hooked = person("hu-hooked", high=(("webhook", 0),))
    backup = person("bo-backup")
    incident = declare(policy_of("Hooks", (5, [hooked]), (5, [backup])))
    assert len(standins.http.take("/hook")) == 1
    assert tick(T0 + 5 * MIN)["steps"] == 1  # level 2 on time although level 1 failed
    assert len(standins.emails_to(backup)) == 1
    assert len(standins.http.take("/hook")) == 1  # the first retry (due after 30 s) failed too
    page = Page.objects.get(user=hooked)
    assert page.status == PageStatus.PENDING
    assert page.attempts == 2
    assert page.due_at == T0 + 5 * MIN + timedelta(seconds=60)  # backoff doubles
    standins.http.respond("/hook", status=200, json={"received": True})
    assert tick(T0 + 5 * MIN + timedelta(seconds=59))["deliveries"] == 0
    assert tick(T0 + 5 * MIN + timedelta(seconds=60))["deliveries"] == 1
    assert len(standins.http.take("/hook")) == 1
    page.refresh_from_db()
    assert page.status == PageStatus.SENT
    assert page.attempts == 3
    assert TimelineEvent.objects.filter(incident=incident, kind="page.attempt_failed").count() == 2


def test_a_permanent_failure_is_recorded_on_the_timeline_and_not_retried(standins, db):
    standins.http.respond("/hook", status=410, body=b"gone")
    hooked = person("hu-hooked", high=(("webhook", 0),))
    incident = declare(policy_of("Hooks", (5, [hooked])))
    assert len(standins.http.take("/hook")) == 1
    tick(T0 + 10 * MIN)
    assert Page.objects.get().status == PageStatus.FAILED
    assert TimelineEvent.objects.get(incident=incident, kind="page.failed").data["permanent"]


def test_a_sent_page_is_never_sent_again(oncall_world, standins):
    declare(oncall_world["policy"])
    standins.emails_to(oncall_world["primary"])
    page = Page.objects.get()
    assert "skipped" in services.page_deliver(page.pk)
    Page.objects.filter(pk=page.pk).update(enqueued_at=None, lease_until=None)
    tick(T0 + MIN)


def test_a_page_whose_lease_ran_out_is_queued_again_at_the_next_tick_not_after_the_requeue(
    standins, db
):
    """A lease runs out only when its sender stopped renewing it (its worker died mid-send): the
    next tick queues the page again at once, not FIREBELL_PAGE_REQUEUE_SECONDS later."""
    later = person("lee-lease", high=(("email", 10),))
    declare(policy_of("Lease", (30, [later])))
    claimed_at = T0 + 10 * MIN
    # As `page_deliver` leaves a page whose worker was killed inside the send.
    Page.objects.update(
        attempts=1, enqueued_at=claimed_at, lease_until=claimed_at + timedelta(seconds=12)
    )
    assert tick(claimed_at + timedelta(seconds=11))["deliveries"] == 0  # still its sender's
    assert tick(claimed_at + timedelta(seconds=13))["deliveries"] == 1
    page = Page.objects.get()
    assert (page.status, page.attempts) == (PageStatus.SENT, 2)
    assert len(standins.emails_to(later)) == 1


def test_a_tick_while_the_previous_one_still_runs_does_nothing_and_the_next_one_runs(standins, db):
    from django.core.cache import cache

    from oncall.services.escalation import TICK_RUNNING_KEY
    from oncall.tasks import escalation_tick_task

    second = person("otto-overlap")
    declare(policy_of("Overlap", (5, [person("ola-first")]), (5, [second])))
    standins.smtp.take()
    cache.add(TICK_RUNNING_KEY, "a tick on another worker", 60)
    try:
        with clock.frozen_at(T0 + 6 * MIN), after_commit():
            assert escalation_tick_task() == "skipped: the previous tick is still running"
    finally:
        cache.delete(TICK_RUNNING_KEY)
    assert not Page.objects.filter(level=2).exists()
    with clock.frozen_at(T0 + 6 * MIN), after_commit():
        assert escalation_tick_task().startswith("1 steps")
    assert len(standins.emails_to(second)) == 1
