from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.models import IncidentStatus, Source, TimelineEvent
from postmortems import selectors, services
from postmortems.models import (
    ActionItem,
    ActionItemStatus,
    Postmortem,
    PostmortemStatus,
    ReviewDecision,
    TimelineEntry,
)
from tests.factories import UserFactory, severity
from tests.postmortems.conftest import declare, resolve


def test_resolving_an_incident_whose_severity_requires_one_starts_the_postmortem_due_48h_later(
    responder,
):
    incident = resolve(declare(responder, rank=1))
    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.status == PostmortemStatus.DRAFT
    assert postmortem.owner is None
    assert postmortem.due_at == incident.resolved_at + timedelta(hours=48)
    assert TimelineEvent.objects.filter(incident=incident, kind="postmortem.created").exists()


def test_the_due_time_follows_the_severity_setting(responder):
    sev = severity(2)
    sev.postmortem_within_hours = 5
    sev.save()
    incident = resolve(declare(responder, rank=2))
    assert incident.postmortem.due_at == incident.resolved_at + timedelta(hours=5)


def test_a_severity_without_the_requirement_starts_none(responder):
    incident = resolve(declare(responder, rank=3))
    assert not Postmortem.objects.filter(incident=incident).exists()


def test_a_person_starts_one_and_only_one(responder, viewer):
    incident = declare(responder, rank=3)
    postmortem = services.postmortem_create(incident=incident, actor=responder, source=Source.WEB)
    assert postmortem.owner == responder
    assert postmortem.due_at is None  # not resolved yet
    with pytest.raises(ConflictError):
        services.postmortem_create(incident=incident, actor=responder, source=Source.WEB)
    with pytest.raises(PermissionDeniedError):
        services.postmortem_create(incident=declare(responder), actor=viewer, source=Source.WEB)
    resolve(incident)
    postmortem.refresh_from_db()
    assert postmortem.due_at is not None


def test_sections_are_the_runbook_ones_with_detection_and_impact_from_the_incident(
    busy_incident, responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    sections = {s.key: s for s in selectors.postmortem_sections(postmortem=postmortem)}
    assert list(sections) == [
        "summary",
        "timeline",
        "impact",
        "root_cause",
        "detection",
        "resolution",
        "went_well",
        "lessons",
        "action_items",
    ]
    assert "Time to acknowledge" in sections["detection"].body
    assert "Time to resolve" in sections["detection"].body
    assert "**Duration:**" in sections["impact"].body
    assert "5 whys" in sections["root_cause"].body


def test_the_timeline_is_copied_from_the_incident_with_links_to_each_event(
    busy_incident, responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    events = list(
        TimelineEvent.objects.filter(incident=busy_incident)
        .exclude(kind__startswith="postmortem.")
        .order_by("created_at", "id")
    )
    entries = list(selectors.timeline_entries(postmortem=postmortem))
    assert [e.source_event_id for e in entries] == [e.pk for e in events]
    kinds = {e.kind for e in events}
    assert {
        "incident.declared",
        "incident.role_assigned",
        "incident.note_added",
        "incident.stakeholder_update_posted",
        "incident.severity_changed",
        "incident.acknowledged",
        "incident.resolved",
    } <= kinds
    texts = " | ".join(e.text for e in entries)
    assert "Rolled back deploy 41" in texts
    assert "from SEV-3 to SEV-4" in texts
    assert "ron-responder" in {e.who for e in entries}
    key = {e.source_event.kind for e in entries if e.is_key}
    assert {"incident.declared", "incident.resolved"} <= key
    assert "incident.note_added" not in key


def test_curating_the_timeline_never_changes_the_incidents_own_events(busy_incident, responder):
    before = list(
        TimelineEvent.objects.filter(incident=busy_incident).values_list(
            "id", "kind", "message", "data", "created_at"
        )
    )
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    note = TimelineEntry.objects.get(
        postmortem=postmortem, source_event__kind="incident.note_added"
    )
    services.timeline_entry_update(
        entry=note, actor=responder, text="Rolled back the bad deploy", is_key=True
    )
    noise = TimelineEntry.objects.filter(
        postmortem=postmortem, source_event__kind="incident.role_assigned"
    ).first()
    services.timeline_entry_update(entry=noise, actor=responder, hidden=True)
    added = services.timeline_entry_add(
        postmortem=postmortem,
        actor=responder,
        occurred_at=busy_incident.created_at - timedelta(minutes=10),
        text="Deploy 41 went out",
    )
    after = list(
        TimelineEvent.objects.filter(incident=busy_incident)
        .exclude(kind__startswith="postmortem.")
        .values_list("id", "kind", "message", "data", "created_at")
    )
    assert after == before
    note.refresh_from_db()
    assert note.text == "Rolled back the bad deploy"
    assert note.original_text.endswith("Rolled back deploy 41")
    entries = list(selectors.timeline_entries(postmortem=postmortem, include_hidden=False))
    assert entries[0] == added
    assert noise not in entries


def test_refreshing_the_timeline_adds_only_new_events(busy_incident, responder):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    count = TimelineEntry.objects.filter(postmortem=postmortem).count()
    from incidents import services as incident_services

    incident_services.incident_add_note(
        incident=busy_incident, text="Found the cause", actor=responder, source=Source.WEB
    )
    assert services.postmortem_timeline_refresh(postmortem=postmortem, actor=responder) == 1
    assert services.postmortem_timeline_refresh(postmortem=postmortem, actor=responder) == 0
    assert TimelineEntry.objects.filter(postmortem=postmortem).count() == count + 1


def _section(postmortem, key):
    return selectors.section_get(postmortem=postmortem, key=key)


def test_two_people_on_different_sections_both_keep_their_work(
    busy_incident, responder, other_responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    summary, lessons = _section(postmortem, "summary"), _section(postmortem, "lessons")
    services.section_save(section=summary, actor=responder, body="Checkout failed", base_version=1)
    services.section_save(section=lessons, actor=other_responder, body="Canary", base_version=1)
    assert _section(postmortem, "summary").body == "Checkout failed"
    assert _section(postmortem, "lessons").body == "Canary"


def test_a_stale_save_of_the_same_section_is_a_conflict_naming_who_saved(
    busy_incident, responder, other_responder
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    summary = _section(postmortem, "summary")
    saved = services.section_save(section=summary, actor=responder, body="Mine", base_version=1)
    assert saved.version == 2
    with pytest.raises(ConflictError, match="rita-responder saved"):
        services.section_save(section=summary, actor=other_responder, body="Theirs", base_version=1)
    assert _section(postmortem, "summary").body == "Mine"


def _publishable(incident, author, reviewer):
    postmortem = services.postmortem_create(incident=incident, actor=author, source=Source.WEB)
    services.postmortem_submit(
        postmortem=postmortem, actor=author, source=Source.WEB, reviewers=[reviewer]
    )
    services.postmortem_review_decide(
        postmortem=postmortem, actor=reviewer, source=Source.WEB, approve=True
    )
    return postmortem


def test_workflow_review_then_publish_closes_the_incident(
    busy_incident, responder, other_responder
):
    postmortem = _publishable(busy_incident, responder, other_responder)
    published = services.postmortem_publish(
        postmortem=postmortem, actor=responder, source=Source.WEB
    )
    assert published.status == PostmortemStatus.PUBLISHED
    busy_incident.refresh_from_db()
    assert busy_incident.status == IncidentStatus.CLOSED
    assert busy_incident.closed_by == responder
    kinds = list(
        TimelineEvent.objects.filter(incident=busy_incident, kind__startswith="postmortem.")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "postmortem.created",
        "postmortem.submitted",
        "postmortem.approved",
        "postmortem.published",
    ]


def test_publishing_needs_review_and_an_approval(busy_incident, responder, other_responder):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    with pytest.raises(ConflictError):
        services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)
    services.postmortem_submit(
        postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[other_responder]
    )
    with pytest.raises(ConflictError, match="no reviewer has approved"):
        services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)


def test_only_named_reviewers_decide_and_changes_need_a_reason(
    busy_incident, responder, other_responder, admin_user, viewer
):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    with pytest.raises(ValidationError):
        services.postmortem_submit(
            postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[]
        )
    with pytest.raises(ValidationError, match="victor-viewer"):
        services.postmortem_submit(
            postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[viewer]
        )
    services.postmortem_submit(
        postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[other_responder]
    )
    with pytest.raises(PermissionDeniedError):
        services.postmortem_review_decide(
            postmortem=postmortem, actor=admin_user, source=Source.WEB, approve=True
        )
    with pytest.raises(ValidationError):
        services.postmortem_review_decide(
            postmortem=postmortem, actor=other_responder, source=Source.WEB, approve=False
        )
    review = services.postmortem_review_decide(
        postmortem=postmortem,
        actor=other_responder,
        source=Source.WEB,
        approve=False,
        note="Root cause blames a person",
    )
    assert review.decision == ReviewDecision.CHANGES_REQUESTED
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.DRAFT


def test_viewers_cannot_write(busy_incident, responder, viewer):
    postmortem = services.postmortem_create(
        incident=busy_incident, actor=responder, source=Source.WEB
    )
    with pytest.raises(PermissionDeniedError):
        services.section_save(
            section=_section(postmortem, "summary"), actor=viewer, body="x", base_version=1
        )


def test_a_published_postmortem_is_edited_only_after_a_recorded_reopening(
    busy_incident, responder, other_responder
):
    postmortem = _publishable(busy_incident, responder, other_responder)
    services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)
    summary = _section(postmortem, "summary")
    with pytest.raises(ConflictError, match="reopen it"):
        services.section_save(section=summary, actor=responder, body="Later", base_version=1)
    with pytest.raises(ValidationError):
        services.postmortem_reopen(
            postmortem=postmortem, actor=responder, source=Source.WEB, reason=""
        )
    services.postmortem_reopen(
        postmortem=postmortem, actor=responder, source=Source.WEB, reason="New finding"
    )
    services.section_save(section=summary, actor=responder, body="Later", base_version=1)
    event = TimelineEvent.objects.get(incident=busy_incident, kind="postmortem.reopened")
    assert "New finding" in event.message
    busy_incident.refresh_from_db()
    assert busy_incident.status == IncidentStatus.CLOSED


def test_publishing_an_open_incidents_postmortem_is_refused(responder, other_responder):
    incident = declare(responder, rank=3)
    postmortem = _publishable(incident, responder, other_responder)
    with pytest.raises(ConflictError, match="resolve it"):
        services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.IN_REVIEW


def test_action_items_validate_and_stamp_completion(busy_incident, responder, viewer):
    with pytest.raises(ValidationError) as raised:
        services.action_item_create(
            incident=busy_incident,
            actor=responder,
            title=" ",
            owner=None,
            ticket_url="javascript:alert(1)",
        )
    assert set(raised.value.errors) == {"title", "owner", "ticket_url"}
    with pytest.raises(PermissionDeniedError):
        services.action_item_create(
            incident=busy_incident, actor=viewer, title="Add a canary", owner=responder
        )
    item = services.action_item_create(
        incident=busy_incident, actor=responder, title="Add a canary", owner=responder
    )
    assert item.postmortem is None  # a follow-up of the incident alone
    with clock.frozen_at(clock.now() + timedelta(hours=1)):
        done = services.action_item_update(item=item, actor=responder, status=ActionItemStatus.DONE)
        assert done.completed_at == clock.now()
    reopened = services.action_item_update(item=item, actor=responder, status="in_progress")
    assert reopened.completed_at is None
    with pytest.raises(ValidationError):
        services.action_item_update(item=item, actor=responder, status="finished")


def test_a_deleted_owners_items_stay(busy_incident, responder):
    leaver = UserFactory(username="leaver")
    item = services.action_item_create(
        incident=busy_incident, actor=responder, title="Add a canary", owner=leaver
    )
    leaver.delete()
    item = ActionItem.objects.get(pk=item.pk)
    assert item.owner is None


def test_outcomes_for_insights(responder, other_responder):
    start = clock.now()
    incident = resolve(declare(responder, rank=1))
    postmortem = incident.postmortem
    services.postmortem_submit(
        postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[other_responder]
    )
    services.postmortem_review_decide(
        postmortem=postmortem, actor=other_responder, source=Source.WEB, approve=True
    )
    services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)
    late = resolve(declare(responder, rank=2))
    with clock.frozen_at(start + timedelta(days=3)):
        assert selectors.postmortem_outcomes() == {
            "on_time": 1,
            "late": 0,
            "overdue": 1,
            "pending": 0,
        }
    services.action_item_create(incident=late, actor=responder, title="A", owner=responder)
    counts = selectors.action_item_counts()
    assert counts["opened"] == 1
    assert counts["done"] == 0


def test_a_severity_may_require_extra_sections(responder):
    from postmortems.models import ExtraSection

    ExtraSection.objects.create(
        severity=severity(1), key="security", title="Security review", guidance="Who had access?"
    )
    sev1 = resolve(declare(responder, rank=1)).postmortem
    keys = [s.key for s in selectors.postmortem_sections(postmortem=sev1)]
    assert keys[-1] == "security"
    sev3 = services.postmortem_create(
        incident=declare(responder, rank=3), actor=responder, source=Source.WEB
    )
    assert "security" not in [s.key for s in selectors.postmortem_sections(postmortem=sev3)]
