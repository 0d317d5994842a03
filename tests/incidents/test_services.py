from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents import services
from incidents.models import (
    ALLOWED_TRANSITIONS,
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Source,
    TimelineEvent,
)
from tests.factories import ServiceFactory, severity

S = IncidentStatus
ACTIONS = {
    S.ACKNOWLEDGED: services.incident_acknowledge,
    S.MITIGATED: services.incident_mitigate,
    S.RESOLVED: services.incident_resolve,
    S.CLOSED: services.incident_close,
}


def declare(actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    kwargs.setdefault("severity", severity(2))
    return services.incident_create(actor=actor, source=Source.WEB, **kwargs)


def put_in(incident: Incident, status: str) -> Incident:
    """Drive the incident to `status` through the services (the only legal way)."""
    path = {
        S.TRIGGERED: [],
        S.ACKNOWLEDGED: [S.ACKNOWLEDGED],
        S.MITIGATED: [S.ACKNOWLEDGED, S.MITIGATED],
        S.RESOLVED: [S.ACKNOWLEDGED, S.RESOLVED],
        S.CLOSED: [S.ACKNOWLEDGED, S.RESOLVED, S.CLOSED],
    }[status]
    for step in path:
        incident = ACTIONS[step](incident=incident, actor=None, source=Source.SYSTEM)
    return incident


def _move(incident: Incident, target: str, actor) -> Incident:
    if target == S.TRIGGERED:
        if incident.status == S.ACKNOWLEDGED:
            return services.incident_unacknowledge(incident=incident)
        return services.incident_reopen(incident=incident, actor=actor, source=Source.API)
    return ACTIONS[target](incident=incident, actor=actor, source=Source.API)


TRANSITION_TABLE = [
    (start, target, target in ALLOWED_TRANSITIONS[start])
    for start in S
    for target in S
    if start != target
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "target", "allowed"), TRANSITION_TABLE)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    responder, start, target, allowed
):
    incident = put_in(declare(responder), start)
    if start == S.ACKNOWLEDGED and target == S.TRIGGERED:
        moved = services.incident_unacknowledge(incident=incident)
        assert moved.status == S.TRIGGERED
        return
    if allowed:
        moved = _move(incident, target, responder)
        assert moved.status == target
        assert TimelineEvent.objects.filter(incident=incident, data__to=target).exists()
    else:
        events_before = TimelineEvent.objects.filter(incident=incident).count()
        with pytest.raises(ConflictError, match=f"is {start}"):
            _move(incident, target, responder)
        incident.refresh_from_db()
        assert incident.status == start
        assert TimelineEvent.objects.filter(incident=incident).count() == events_before


@pytest.mark.django_db
def test_incidents_are_numbered_one_after_another(responder):
    assert [declare(responder).number for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_declaring_records_who_services_and_commander(responder, other_responder):
    api = ServiceFactory(slug="api", name="API")
    incident = declare(responder, services=[api], commander=other_responder, summary="s")
    assert incident.status == S.TRIGGERED
    assert incident.declared_by == responder
    assert list(incident.services.all()) == [api]
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == ["incident.declared", "incident.role_assigned"]
    assert RoleAssignment.objects.get(incident=incident).user == other_responder


@pytest.mark.django_db
def test_an_empty_title_is_refused(responder):
    with pytest.raises(ValidationError, match="title"):
        declare(responder, title="   ")
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_viewer_can_neither_declare_nor_act(viewer, responder):
    with pytest.raises(PermissionDeniedError):
        declare(viewer)
    incident = declare(responder)
    with pytest.raises(PermissionDeniedError):
        services.incident_acknowledge(incident=incident, actor=viewer, source=Source.WEB)
    with pytest.raises(PermissionDeniedError):
        services.incident_add_note(incident=incident, text="hi", actor=viewer, source=Source.WEB)


@pytest.mark.django_db
def test_durations_and_ack_target_are_derived_from_the_stamps(responder):
    start = timezone.now().replace(microsecond=0)
    with clock.frozen_at(start):
        incident = declare(responder, severity=severity(1))  # 15 minute target
    with clock.frozen_at(start + timedelta(minutes=20)):
        incident = services.incident_acknowledge(
            incident=incident, actor=responder, source=Source.WEB
        )
    with clock.frozen_at(start + timedelta(minutes=30)):
        incident = services.incident_mitigate(incident=incident, actor=responder, source="web")
    with clock.frozen_at(start + timedelta(minutes=45)):
        incident = services.incident_resolve(incident=incident, actor=responder, source="web")
    assert incident.time_to_acknowledge == timedelta(minutes=20)
    assert incident.time_to_mitigate == timedelta(minutes=30)
    assert incident.time_to_resolve == timedelta(minutes=45)
    assert incident.ack_target_breached() is True
    assert incident.acknowledged_by == responder


@pytest.mark.django_db
def test_an_unacknowledged_incident_breaches_its_target_only_once_late(responder):
    start = timezone.now()
    with clock.frozen_at(start):
        incident = declare(responder, severity=severity(1))
    assert incident.ack_target_breached(now=start + timedelta(minutes=14)) is False
    assert incident.ack_target_breached(now=start + timedelta(minutes=16)) is True


@pytest.mark.django_db
def test_reopening_starts_a_new_cycle_and_is_recorded(responder):
    incident = put_in(declare(responder), S.RESOLVED)
    incident = services.incident_reopen(
        incident=incident, actor=responder, source=Source.WEB, reason="errors are back"
    )
    assert incident.status == S.TRIGGERED
    assert incident.reopen_count == 1
    assert incident.resolved_at is None
    assert incident.acknowledged_at is None
    event = TimelineEvent.objects.filter(incident=incident).latest("id")
    assert (event.kind, event.data["reason"]) == ("incident.reopened", "errors are back")


@pytest.mark.django_db
def test_a_closed_incident_cannot_be_reopened(responder):
    incident = put_in(declare(responder), S.CLOSED)
    with pytest.raises(ConflictError, match="only a resolved incident can be reopened"):
        services.incident_reopen(incident=incident, actor=responder, source=Source.WEB)


@pytest.mark.django_db
def test_changing_severity_writes_from_and_to(responder):
    incident = declare(responder, severity=severity(3))
    services.incident_change_severity(
        incident=incident, severity=severity(1), actor=responder, source=Source.WEB
    )
    event = TimelineEvent.objects.get(incident=incident, kind="incident.severity_changed")
    assert event.data == {"from": "SEV-3", "to": "SEV-1"}
    assert event.actor == responder


@pytest.mark.django_db
def test_changing_to_the_same_severity_records_nothing(responder):
    incident = declare(responder, severity=severity(2))
    services.incident_change_severity(
        incident=incident, severity=severity(2), actor=responder, source=Source.WEB
    )
    assert not TimelineEvent.objects.filter(kind="incident.severity_changed").exists()


@pytest.mark.django_db
def test_editing_records_each_changed_field_before_and_after(responder):
    incident = declare(responder, summary="old")
    api = ServiceFactory(slug="api")
    services.incident_update(
        incident=incident,
        actor=responder,
        source=Source.API,
        summary="new",
        title=incident.title,
        services=[api],
    )
    event = TimelineEvent.objects.get(incident=incident, kind="incident.updated")
    assert event.data["changes"] == {
        "summary": {"from": "old", "to": "new"},
        "services": {"from": [], "to": ["api"]},
    }


@pytest.mark.django_db
def test_assigning_a_role_ends_the_previous_holder_and_keeps_history(responder, other_responder):
    incident = declare(responder)
    commander = Role.objects.get(slug="commander")
    services.incident_assign_role(
        incident=incident, role=commander, user=responder, actor=responder, source=Source.WEB
    )
    services.incident_assign_role(
        incident=incident,
        role=commander,
        user=other_responder,
        actor=responder,
        source=Source.WEB,
    )
    history = list(RoleAssignment.objects.filter(incident=incident).order_by("id"))
    assert [a.user for a in history] == [responder, other_responder]
    assert history[0].ended_at is not None
    assert history[1].ended_at is None
    last = TimelineEvent.objects.filter(kind="incident.role_assigned").latest("id")
    assert last.data["previous"] == responder.username


@pytest.mark.django_db
def test_primary_and_secondary_holders_coexist(responder, other_responder):
    incident = declare(responder)
    tech = Role.objects.get(slug="tech")
    services.incident_assign_role(
        incident=incident, role=tech, user=responder, actor=responder, source="web", kind="primary"
    )
    services.incident_assign_role(
        incident=incident,
        role=tech,
        user=other_responder,
        actor=responder,
        source="web",
        kind="secondary",
    )
    assert RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_assigning_the_current_holder_again_changes_nothing(responder):
    incident = declare(responder)
    scribe = Role.objects.get(slug="scribe")
    for _ in range(2):
        services.incident_assign_role(
            incident=incident, role=scribe, user=responder, actor=responder, source="web"
        )
    assert RoleAssignment.objects.filter(incident=incident).count() == 1
    assert TimelineEvent.objects.filter(kind="incident.role_assigned").count() == 1


@pytest.mark.django_db
def test_unassigning_a_role_is_recorded(responder):
    incident = declare(responder)
    comms = Role.objects.get(slug="comms")
    services.incident_assign_role(
        incident=incident, role=comms, user=responder, actor=responder, source="web"
    )
    services.incident_unassign_role(incident=incident, role=comms, actor=responder, source="web")
    assert not RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).exists()
    assert TimelineEvent.objects.filter(kind="incident.role_unassigned").count() == 1


@pytest.mark.django_db
def test_notes_are_timeline_entries_and_must_have_text(responder):
    incident = declare(responder)
    event = services.incident_add_note(
        incident=incident, text="  rolled back deploy 42 ", actor=responder, source=Source.SLACK
    )
    assert (event.kind, event.message, event.source) == (
        "incident.note_added",
        "rolled back deploy 42",
        "slack",
    )
    with pytest.raises(ValidationError):
        services.incident_add_note(incident=incident, text=" ", actor=responder, source="web")


@pytest.mark.django_db
def test_a_stakeholder_update_captures_status_and_severity_of_its_moment(responder):
    incident = put_in(declare(responder, severity=severity(1)), S.ACKNOWLEDGED)
    update = services.incident_post_stakeholder_update(
        incident=incident,
        body="We are rolling back.",
        actor=responder,
        source=Source.WEB,
        impact="Checkout down for EU",
        eta="30 min",
    )
    services.incident_resolve(incident=incident, actor=responder, source="web")
    update.refresh_from_db()
    assert (update.status, update.severity.name) == ("acknowledged", "SEV-1")
    event = TimelineEvent.objects.get(kind="incident.stakeholder_update_posted")
    assert event.data["update_id"] == update.pk
    assert event.data["eta"] == "30 min"


@pytest.mark.django_db
def test_committed_timeline_events_are_announced_after_commit(
    responder, django_capture_on_commit_callbacks
):
    from incidents.events import timeline_event_committed

    heard: list[str] = []

    def receiver(sender, kind, **kwargs):
        heard.append(kind)

    timeline_event_committed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare(responder)
            assert heard == []
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_acknowledge(incident=incident, actor=responder, source="web")
    finally:
        timeline_event_committed.disconnect(receiver)
    # The acknowledger became commander (there was none): that is announced too.
    assert heard == ["incident.declared", "incident.acknowledged", "incident.role_assigned"]
