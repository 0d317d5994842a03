"""Decisions: approve, remove (reason and policy), warn (a message to the user), suspend
(days or permanent, reason, internal note), escalate to an incident; on appeals, uphold or
overturn (by a moderator other than the one who decided; overturning reverses the action).

One function applies a decision to a locked item (`_decide`); the single decision, bulk
decisions and the command line all go through it. Each decision records who, when, why and
which policy, writes the item's history, is in the audit log (django-auditlog, registered in
moderation.apps) and is stored in the outbox for the platform in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.models import Severity, Source
from incidents.selectors import severity_default
from incidents.services import incident_create
from moderation.models import (
    Action,
    Category,
    Decision,
    Item,
    ItemEvent,
    ItemKind,
    ItemStatus,
    Policy,
)
from moderation.services.common import (
    MODERATE_PERMISSION,
    actor_name,
    audit_log_created,
    item_event_record,
    queue_allows,
    require,
    trust_and_safety_service,
)
from moderation.services.deliveries import decision_payload, deliveries_enqueue
from moderation.services.suspensions import (
    _suspension_create,
    suspension_reverse,
    suspension_terms_check,
)

REPORT_ACTIONS = (Action.APPROVE, Action.REMOVE, Action.WARN, Action.SUSPEND, Action.ESCALATE)
APPEAL_ACTIONS = (Action.UPHOLD, Action.OVERTURN)
URGENT = {Category.CHILD_SAFETY, Category.VIOLENCE, Category.SELF_HARM}
BULK_LIMIT = 500


@dataclass(frozen=True)
class DecisionTerms:
    action: str
    reason: str = ""
    policy: Policy | None = None
    message: str = ""
    internal_note: str = ""
    days: int | None = None
    permanent: bool = False


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def decision_terms_check(item: Item, terms: DecisionTerms) -> None:
    """Raise ValidationError naming the missing or wrong field for this action on this item."""
    allowed = APPEAL_ACTIONS if item.kind == ItemKind.APPEAL else REPORT_ACTIONS
    if terms.action not in allowed:
        names = ", ".join(allowed)
        raise ValidationError(
            f"action: On this item the action is one of {names}.",
            errors={"action": [f"One of {names}."]},
        )
    need: dict[str, str] = {}
    if terms.action in (Action.REMOVE, Action.UPHOLD, Action.OVERTURN) and not terms.reason.strip():
        need["reason"] = "Say why."
    if terms.action == Action.REMOVE and terms.policy is None:
        need["policy"] = "Name the policy the content breaks."
    if terms.action == Action.WARN and not terms.message.strip():
        need["message"] = "Write the message the user will get."
    if need:
        field_name, reason = next(iter(need.items()))
        raise ValidationError(f"{field_name}: {reason}", errors={k: [v] for k, v in need.items()})
    if terms.action == Action.SUSPEND:
        suspension_terms_check(reason=terms.reason, days=terms.days, permanent=terms.permanent)


def _locked(item: Item) -> Item:
    return (
        Item.objects.select_for_update(of=("self",))
        .select_related("user", "queue", "appeal_of", "claimed_by")
        .prefetch_related("queue__reviewers")
        .get(pk=item.pk)
    )


def _refusal(item: Item, actor: AbstractBaseUser | None, now) -> str | None:
    """Why `actor` may not decide `item` now, or None."""
    if item.status != ItemStatus.OPEN:
        return "decided already"
    if actor is not None and item.is_claimed_by_other(actor, now):
        return f"being reviewed by {item.claimed_by.get_username()}"
    if not queue_allows(item.queue, actor):
        return f"not in a queue you review ({item.queue.name})"
    if (
        item.kind == ItemKind.APPEAL
        and actor is not None
        and item.appeal_of.decided_by_id == actor.pk
    ):
        return "an appeal of your own decision; a second moderator must decide it"
    return None


def item_decide(
    *,
    item: Item,
    actor: AbstractBaseUser | None,
    terms: DecisionTerms,
    source: str,
    actor_label: str | None = None,
) -> Decision:
    """Decide one item. Raises PermissionDeniedError (no permission, not a reviewer of its
    queue, an appeal of one's own decision), ConflictError (decided already, claimed by someone
    else) or ValidationError (a missing reason, policy, message or duration)."""
    require(actor, MODERATE_PERMISSION, "decide moderation items")
    with transaction.atomic():
        now = clock.now()
        locked = _locked(item)
        refusal = _refusal(locked, actor, now)
        if refusal is not None:
            error = (
                ConflictError
                if "decided" in refusal or "reviewed" in refusal
                else (PermissionDeniedError)
            )
            raise error(f"Not done: this item is {refusal}.")
        decision_terms_check(locked, terms)
        return _decide(
            locked,
            actor=actor,
            terms=terms,
            source=source,
            now=now,
            by_name=actor_label or actor_name(actor),
        )


def _decide(
    item: Item,
    *,
    actor: AbstractBaseUser | None,
    terms: DecisionTerms,
    source: str,
    now,
    by_name: str,
) -> Decision:
    """Apply a checked decision to one locked open item. Call inside a transaction."""
    [decision] = _decide_many(
        [item], actor=actor, terms=terms, source=source, now=now, by_name=by_name
    )
    return decision


def _decide_many(
    items: list[Item],
    *,
    actor: AbstractBaseUser | None,
    terms: DecisionTerms,
    source: str,
    now,
    by_name: str,
) -> list[Decision]:
    """Apply one checked decision to locked open items: the one function every decision goes
    through (single, bulk, CSV, command line). Rows are written in bulk — a few queries for
    500 items — and bulk inserts send no signals, so the audit log entries are written here.
    Call inside a transaction."""
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                item=item,
                user=item.user,
                action=terms.action,
                reason=terms.reason.strip(),
                policy=terms.policy,
                message=terms.message.strip(),
                internal_note=terms.internal_note,
                duration_days=terms.days if terms.action == Action.SUSPEND else None,
                decided_by=actor,
                decided_by_name=by_name,
                decided_at=now,
                source=source,
            )
            for item in items
        ]
    )
    audit_log_created(decisions, actor=actor, now=now)
    for item, decision in zip(items, decisions, strict=True):
        _effects(item, decision, terms=terms, by_name=by_name, now=now)
    Item.objects.filter(pk__in=[item.pk for item in items]).update(
        status=ItemStatus.DECIDED, decided_at=now, claimed_by=None, claimed_until=None
    )
    for item in items:
        item.status, item.decided_at = ItemStatus.DECIDED, now
    ItemEvent.objects.bulk_create(
        [
            ItemEvent(
                item=item,
                kind=f"item.{terms.action}",
                actor_name=by_name,
                message=_summary(decision),
                created_at=now,
            )
            for item, decision in zip(items, decisions, strict=True)
        ]
    )
    deliveries_enqueue(
        [
            ("decision.created", decision_payload(decision), item, decision)
            for item, decision in zip(items, decisions, strict=True)
        ]
    )
    return decisions


def _effects(item: Item, decision: Decision, *, terms: DecisionTerms, by_name: str, now) -> None:
    if terms.action == Action.SUSPEND:
        _suspension_create(
            user=item.user,
            reason=decision.reason,
            days=terms.days,
            internal_note=terms.internal_note,
            by_name=by_name,
            decision=decision,
            now=now,
        )
    elif terms.action == Action.ESCALATE:
        decision.incident = _escalate(item, decision, by_name)
        decision.save(update_fields=["incident"])
        Item.objects.filter(pk=item.pk, incident__isnull=True).update(incident=decision.incident)
    elif terms.action == Action.OVERTURN:
        _reverse(item.appeal_of, decision, by_name=by_name, now=now)


def _summary(decision: Decision) -> str:
    parts = [decision.get_action_display()]
    if decision.policy:
        parts.append(f"policy: {decision.policy.title}")
    if decision.duration_days:
        parts.append(f"{decision.duration_days} days")
    elif decision.action == Action.SUSPEND:
        parts.append("permanent")
    if decision.reason:
        parts.append(decision.reason)
    return " · ".join(parts)


def _escalate(item: Item, decision: Decision, by_name: str):
    severity = (
        Severity.objects.filter(rank=2).first() if item.category in URGENT else None
    ) or severity_default()
    service = trust_and_safety_service()
    return incident_create(
        title=f"Moderation escalation: {Category(item.category).label} — "
        f"{item.content_type} {item.content_id}"[:200],
        severity=severity,
        actor=None,
        source=Source.SYSTEM,
        summary=f"Escalated by {by_name} from moderation item #{item.pk}. {decision.reason}",
        services=[service],
        origin={"moderation_item": item.pk},
    )


def _reverse(original: Decision, overturn: Decision, *, by_name: str, now) -> None:
    Decision.objects.filter(pk=original.pk).update(reversed_at=now, reversed_by_decision=overturn)
    for suspension in original.suspensions.select_for_update().select_related("user"):
        suspension_reverse(suspension, by_name=by_name, now=now)
    item_event_record(
        original.item,
        "item.reversed",
        actor_label=by_name,
        message=f"{original.get_action_display()} overturned on appeal",
        now=now,
    )


def items_decide_bulk(
    *,
    item_ids: list[int],
    actor: AbstractBaseUser | None,
    terms: DecisionTerms,
    source: str,
    actor_label: str | None = None,
) -> BulkResult:
    """Apply one decision to many items (at most 500) in one transaction: all that can change
    change together; items decided already, claimed by someone else or outside the actor's
    queues are skipped and named. Invalid terms change nothing."""
    require(actor, MODERATE_PERMISSION, "decide moderation items")
    if len(item_ids) > BULK_LIMIT:
        raise ValidationError(
            f"At most {BULK_LIMIT} items at once; narrow the selection.",
            errors={"items": [f"At most {BULK_LIMIT}."]},
        )
    result = BulkResult()
    by_name = actor_label or actor_name(actor)
    with transaction.atomic():
        now = clock.now()
        items = list(
            Item.objects.select_for_update(of=("self",))
            .select_related("user", "queue", "appeal_of", "claimed_by")
            .prefetch_related("queue__reviewers")
            .filter(pk__in=item_ids)
            .order_by("pk")
        )
        ready = []
        for item in items:
            refusal = _refusal(item, actor, now)
            if refusal is None:
                decision_terms_check(item, terms)
                ready.append(item)
                result.changed.append(item.pk)
            else:
                result.skipped.append((item.pk, refusal))
        if ready:
            _decide_many(ready, actor=actor, terms=terms, source=source, now=now, by_name=by_name)
        found = {item.pk for item in items}
        result.skipped += [(pk, "not found") for pk in item_ids if pk not in found]
    return result
