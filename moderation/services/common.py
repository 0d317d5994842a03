"""What every moderation service shares: who may act, how an actor is named, the item's
history, the category rules and queue routing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save

from core.errors import PermissionDeniedError
from incidents.models import Service
from incidents.services import service_create
from moderation.models import CategoryRule, Item, ItemEvent, Queue

MODERATE_PERMISSION = "moderation.moderate_item"
REPORT_PERMISSION = "moderation.add_report"
VIEW_PERMISSION = "moderation.view_item"
MANAGE_QUEUES_PERMISSION = "moderation.change_queue"


def require(actor: AbstractBaseUser | None, permission: str, action: str) -> None:
    """`actor=None` is Firebell itself (a sweep, a wave), which needs no permission."""
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {action}.")


def actor_name(actor: AbstractBaseUser | None, fallback: str = "Firebell") -> str:
    return actor.get_username() if actor is not None else fallback


def queue_allows(queue: Queue, actor: AbstractBaseUser | None) -> bool:
    """A queue without reviewers is open to every moderator; admins may work any queue."""
    if actor is None or actor.has_perm(MANAGE_QUEUES_PERMISSION):
        return True
    reviewer_ids = [user.pk for user in queue.reviewers.all()]
    return not reviewer_ids or actor.pk in reviewer_ids


def require_queue(item: Item, actor: AbstractBaseUser | None) -> None:
    if not queue_allows(item.queue, actor):
        raise PermissionDeniedError(f"You are not a reviewer of the {item.queue.name} queue.")


def item_event_record(
    item: Item, kind: str, *, actor_label: str, message: str, now: datetime
) -> ItemEvent:
    """Append to the item's history; call inside the transaction that made the change."""
    return ItemEvent.objects.create(
        item=item, kind=kind, actor_name=actor_label, message=message, created_at=now
    )


def category_rules() -> dict[str, CategoryRule]:
    return {rule.category: rule for rule in CategoryRule.objects.all()}


def queue_route(
    queues: Iterable[Queue], *, category: str, content_type: str, report_count: int
) -> Queue:
    """The first queue (by position) whose rules match; the last queue catches everything."""
    ordered = list(queues)
    for queue in ordered:
        if queue.matches(category=category, content_type=content_type, report_count=report_count):
            return queue
    return ordered[-1]


def queues_for_routing() -> list[Queue]:
    """Every queue in routing order; a General queue is created if an admin deleted them all."""
    queues = list(Queue.objects.order_by("position", "pk"))
    if not queues:
        queue, _ = Queue.objects.get_or_create(slug="general", defaults={"name": "General"})
        queues = [queue]
    return queues


TRUST_AND_SAFETY_SLUG = "trust-and-safety"


def trust_and_safety_service() -> Service:
    """The service moderation's incidents are on; created (through incidents' service) the
    first time moderation opens an incident, and kept if an admin renamed it."""
    service = Service.objects.filter(slug=TRUST_AND_SAFETY_SLUG).first()
    if service is None:
        service = service_create(
            actor=None,
            name="Trust & Safety",
            slug=TRUST_AND_SAFETY_SLUG,
            owner_team="trust-and-safety",
            description="Waves of moderation reports and escalated items open incidents here.",
        )
    return service


def audit_log_created(instances: list, *, actor: AbstractBaseUser | None, now: datetime) -> None:
    """Audit log entries for rows made with bulk_create (which sends no signals, so
    django-auditlog would not see them): the entry it writes for a create, with `actor`; the
    pre_save signal auditlog listens to while a request or `set_actor` runs is sent for each,
    so the caller's address is added as for any other entry."""
    if not instances:
        return
    who = actor if getattr(actor, "is_authenticated", False) else None
    content_type = ContentType.objects.get_for_model(type(instances[0]))
    cid = get_cid()
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(instance.pk),
            object_id=instance.pk,
            object_repr=str(instance),
            action=LogEntry.Action.CREATE,
            changes=model_instance_diff(
                None, instance, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
            ),
            actor=who,
            actor_email=getattr(who, "email", None),
            timestamp=now,
            cid=cid,
        )
        for instance in instances
    ]
    for entry in entries:
        pre_save.send(
            sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None
        )
    LogEntry.objects.bulk_create(entries)
