"""Claims, decisions and their webhook, appeals, suspensions (expiry on a frozen clock)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from core.services import defaults_ensure
from incidents.models import Incident
from moderation.models import Decision, Delivery, Item, Policy, Suspension
from moderation.services import claims, deliveries, suspensions
from moderation.services.decisions import DecisionTerms, item_decide
from moderation.services.intake import appeal_create
from moderation.tasks import deliveries_sweep_task, suspensions_expire_task
from tests.concurrency import run_together
from tests.moderation.conftest import member_of, open_item


def _verify(request, secret="platform-shared-secret") -> dict:
    """What a platform does: check the signature over "<timestamp>.<body>", then read it."""
    timestamp = request.headers["X-Firebell-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(
            secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
        ).hexdigest()
    )
    assert hmac.compare_digest(request.headers["X-Firebell-Signature"], expected)
    return json.loads(request.body)


def _decide(item, actor, capture, **terms):
    with capture(execute=True):
        return item_decide(item=item, actor=actor, terms=DecisionTerms(**terms), source="web")


def test_opening_an_item_claims_it_and_a_second_moderator_is_told_who_has_it(
    moderator, other_moderator
):
    item = open_item()
    claims.item_claim(item=item, actor=moderator)
    with pytest.raises(ConflictError, match="mona-moderator"):
        claims.item_claim(item=item, actor=other_moderator)
    assert claims.item_release(item=item, actor=moderator)
    claims.item_claim(item=item, actor=other_moderator)


def test_an_expired_claim_can_be_taken(moderator, other_moderator):
    item = open_item()
    claims.item_claim(item=item, actor=moderator)
    with clock.frozen_at(timezone.now() + timedelta(minutes=6)):
        claims.item_claim(item=item, actor=other_moderator)
    assert Item.objects.get(pk=item.pk).claimed_by == other_moderator


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_moderators_asking_for_the_next_item_at_once_get_different_items():
    defaults_ensure()
    first, second = member_of("Moderator", "m1"), member_of("Moderator", "m2")
    for _ in range(3):
        open_item()
    queue_ids = list(Item.objects.values_list("queue_id", flat=True).distinct())
    got: dict[str, int] = {}
    lock = threading.Lock()

    def take(user):
        item = claims.item_claim_next(actor=user, queue_ids=queue_ids)
        with lock:
            got[user.username] = item.pk

    assert not run_together(lambda: take(first), lambda: take(second))
    assert got["m1"] != got["m2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_one_item_at_once_one_wins_and_the_other_is_told():
    defaults_ensure()
    first, second = member_of("Moderator", "m1"), member_of("Moderator", "m2")
    item = open_item()
    errors = run_together(
        lambda: item_decide(item=item, actor=first, terms=DecisionTerms("approve"), source="web"),
        lambda: item_decide(item=item, actor=second, terms=DecisionTerms("approve"), source="web"),
    )
    assert len(errors) == 1
    assert isinstance(errors[0], ConflictError)
    assert "decided already" in errors[0].message
    assert Decision.objects.count() == 1


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ({"action": "approve"}, {"action": "approve"}),
        (
            {"action": "remove", "reason": "Scam links", "policy": "spam"},
            {"action": "remove", "policy": "spam", "reason": "Scam links"},
        ),
        (
            {"action": "warn", "message": "Please stop posting links"},
            {"action": "warn", "message": "Please stop posting links"},
        ),
        (
            {"action": "suspend", "reason": "Repeat spam", "days": 7, "internal_note": "3rd time"},
            {"action": "suspend"},
        ),
    ],
)
def test_each_decision_is_recorded_audited_and_sent_signed_to_the_platform(
    moderator, receiver, django_capture_on_commit_callbacks, terms, expected
):
    item = open_item(content_id="p-42", user_id="u-7")
    if "policy" in terms:
        terms = {**terms, "policy": Policy.objects.get(slug=terms["policy"])}
    decision = _decide(item, moderator, django_capture_on_commit_callbacks, **terms)
    assert decision.decided_by == moderator
    assert LogEntry.objects.get_for_object(decision).get().actor == moderator
    [request] = receiver.take("/moderation-hook")
    body = _verify(request)
    assert body["event"] == "decision.created"
    assert body["content"] == {"type": "post", "id": "p-42", "url": item.url}
    assert body["user"]["id"] == "u-7"
    for key, value in expected.items():
        assert body["decision"][key] == value
    assert body["decision"]["decided_by"] == "mona-moderator"
    if terms["action"] == "suspend":
        assert body["decision"]["suspension"]["permanent"] is False
        assert Suspension.objects.get(user__external_id="u-7").internal_note == "3rd time"
    assert Delivery.objects.get().status == "delivered"
    assert item.events.filter(kind=f"item.{terms['action']}").exists()


def test_escalating_opens_an_incident_through_the_incident_services(
    moderator, receiver, django_capture_on_commit_callbacks
):
    item = open_item(category="violence")
    decision = _decide(
        item,
        moderator,
        django_capture_on_commit_callbacks,
        action="escalate",
        reason="Credible threat",
    )
    incident = Incident.objects.get()
    assert decision.incident == incident
    assert incident.timeline.filter(kind="incident.declared").exists()
    assert Item.objects.get(pk=item.pk).incident == incident
    assert _verify(receiver.take()[0])["decision"]["incident"] == incident.number


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"action": "remove", "reason": "x"}, "policy"),
        ({"action": "remove"}, "reason"),
        ({"action": "warn"}, "message"),
        ({"action": "suspend", "reason": "x"}, "days"),
        ({"action": "suspend", "days": 3}, "reason"),
        ({"action": "uphold", "reason": "x"}, "action"),
    ],
)
def test_a_decision_missing_what_it_needs_names_the_field_and_changes_nothing(
    moderator, terms, field
):
    item = open_item()
    with pytest.raises(ValidationError) as error:
        item_decide(item=item, actor=moderator, terms=DecisionTerms(**terms), source="web")
    assert field in error.value.errors
    assert Item.objects.get(pk=item.pk).status == "open"
    assert not Decision.objects.exists()


def test_an_item_claimed_by_someone_else_cannot_be_decided(moderator, other_moderator):
    item = open_item()
    claims.item_claim(item=item, actor=moderator)
    with pytest.raises(ConflictError, match="mona-moderator"):
        item_decide(item=item, actor=other_moderator, terms=DecisionTerms("approve"), source="web")


def test_responders_viewers_and_outsiders_cannot_claim_or_decide(responder, viewer, outsider):
    item = open_item()
    for user in (responder, viewer, outsider):
        with pytest.raises(PermissionDeniedError):
            claims.item_claim(item=item, actor=user)
        with pytest.raises(PermissionDeniedError):
            item_decide(item=item, actor=user, terms=DecisionTerms("approve"), source="web")


def test_a_queue_with_reviewers_is_closed_to_other_moderators(moderator, other_moderator):
    item = open_item()
    item.queue.reviewers.add(other_moderator)
    with pytest.raises(PermissionDeniedError, match="reviewer"):
        claims.item_claim(item=item, actor=moderator)
    claims.item_claim(item=item, actor=other_moderator)


def test_a_delivery_waits_while_the_platform_is_down_and_is_sent_once_it_is_back(
    moderator, receiver, settings, django_capture_on_commit_callbacks
):
    receiver.respond("/moderation-hook", status=503, body=b"down for maintenance")
    item = open_item()
    _decide(item, moderator, django_capture_on_commit_callbacks, action="approve")
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert "503" in delivery.last_error
    receiver.take()
    receiver.respond("/moderation-hook", status=200, json={"ok": True})
    with clock.frozen_at(delivery.next_attempt_at + timedelta(seconds=1)):
        deliveries_sweep_task()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.attempts == 2
    [request] = receiver.take("/moderation-hook")
    assert _verify(request)["decision"]["action"] == "approve"


def test_an_unreachable_platform_fails_after_the_last_attempt_visibly_and_can_be_retried(
    moderator, receiver, settings, django_capture_on_commit_callbacks
):
    settings.FIREBELL_MODERATION_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens"
    settings.FIREBELL_MODERATION_DELIVERY_MAX_ATTEMPTS = 2
    item = open_item()
    _decide(item, moderator, django_capture_on_commit_callbacks, action="approve")
    delivery = Delivery.objects.get()
    with clock.frozen_at(delivery.next_attempt_at + timedelta(seconds=1)):
        deliveries_sweep_task()
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert item.events.filter(kind="delivery.failed").exists()
    settings.FIREBELL_MODERATION_WEBHOOK_URL = f"{receiver.url}/moderation-hook"
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.delivery_retry(delivery=delivery, actor=moderator)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_an_appeal_is_decided_by_a_second_moderator_and_overturning_lifts_the_suspension(
    moderator, other_moderator, platform, receiver, django_capture_on_commit_callbacks
):
    item = open_item(user_id="u-9")
    decision = _decide(
        item,
        moderator,
        django_capture_on_commit_callbacks,
        action="suspend",
        reason="Spam",
        permanent=True,
    )
    receiver.take()
    appeal, created = appeal_create(
        decision=decision, appeal_id="a-1", text="Not me", actor=platform
    )
    assert created
    assert appeal_create(decision=decision, appeal_id="a-1", text="", actor=platform) == (
        appeal,
        False,
    )
    with pytest.raises(PermissionDeniedError, match="second moderator"):
        item_decide(
            item=appeal, actor=moderator, terms=DecisionTerms("overturn", reason="x"), source="web"
        )
    _decide(
        appeal,
        other_moderator,
        django_capture_on_commit_callbacks,
        action="overturn",
        reason="Account was hacked",
    )
    decision.refresh_from_db()
    assert decision.reversed_at is not None
    suspension = Suspension.objects.get(decision=decision)
    assert suspension.lift_reason == "Appeal overturned"
    events = {_verify(r)["event"]: _verify(r) for r in receiver.take("/moderation-hook")}
    assert events["decision.created"]["decision"]["reverses"] == {
        "decision_id": decision.pk,
        "action": "suspend",
    }
    assert events["user.unsuspended"]["suspension"]["user_id"] == "u-9"


def test_a_timed_suspension_lifts_itself_when_its_end_passes_once(
    moderator, receiver, django_capture_on_commit_callbacks
):
    item = open_item(user_id="u-5")
    _decide(
        item, moderator, django_capture_on_commit_callbacks, action="suspend", reason="Spam", days=3
    )
    suspension = Suspension.objects.get()
    receiver.take()
    with clock.frozen_at(suspension.ends_at - timedelta(seconds=1)):
        assert suspensions_expire_task() == "lifted 0 suspensions"
    with (
        clock.frozen_at(suspension.ends_at + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert suspensions_expire_task() == "lifted 1 suspensions"
        assert suspensions_expire_task() == "lifted 0 suspensions"
    suspension.refresh_from_db()
    assert suspension.lifted_at == suspension.ends_at
    [request] = receiver.take("/moderation-hook")
    assert _verify(request)["event"] == "user.unsuspended"


def test_a_suspension_is_lifted_by_hand_with_a_reason(
    moderator, django_capture_on_commit_callbacks
):
    item = open_item()
    _decide(
        item,
        moderator,
        django_capture_on_commit_callbacks,
        action="suspend",
        reason="Spam",
        permanent=True,
    )
    suspension = Suspension.objects.get()
    with pytest.raises(ValidationError):
        suspensions.suspension_lift(suspension=suspension, actor=moderator, reason=" ")
    suspensions.suspension_lift(suspension=suspension, actor=moderator, reason="Mistake")
    with pytest.raises(ConflictError):
        suspensions.suspension_lift(suspension=suspension, actor=moderator, reason="again")
