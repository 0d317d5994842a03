"""Reads for moderation, with the access checks: seeing needs `moderation.view_item`
(Moderator, Admin); a queue with reviewers is shown to its reviewers and admins only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Min, Q, QuerySet

from core import clock
from core.errors import NotFoundError, PermissionDeniedError
from moderation.models import (
    Decision,
    Delivery,
    Item,
    ItemStatus,
    PlatformUser,
    Policy,
    Queue,
    Suspension,
)
from moderation.services.common import (
    MANAGE_QUEUES_PERMISSION,
    MODERATE_PERMISSION,
    VIEW_PERMISSION,
    queue_allows,
)

QUEUE_ORDER = ("-weight", "-report_count", "created_at", "pk")


def user_can_view(user: AbstractBaseUser) -> bool:
    return user.has_perm(VIEW_PERMISSION)


def user_can_moderate(user: AbstractBaseUser) -> bool:
    return user.has_perm(MODERATE_PERMISSION)


def require_view(user: AbstractBaseUser) -> None:
    if not user_can_view(user):
        raise PermissionDeniedError("You do not have permission to see moderation.")


def queues_for_user(user: AbstractBaseUser) -> list[Queue]:
    require_view(user)
    queues = Queue.objects.prefetch_related("reviewers")
    return [queue for queue in queues if queue_allows(queue, user)]


@dataclass(frozen=True)
class QueueSummary:
    queue: Queue
    open_count: int
    breached: int
    oldest_at: datetime | None


def queue_overview(user: AbstractBaseUser) -> list[QueueSummary]:
    """Each queue the user works: open items, breached response targets, the oldest item."""
    queues = queues_for_user(user)
    now = clock.now()
    rows = (
        Item.objects.filter(status=ItemStatus.OPEN, queue__in=queues)
        .values("queue_id")
        .annotate(
            n=Count("pk"), breached=Count("pk", filter=Q(due_at__lt=now)), oldest=Min("created_at")
        )
        .order_by()
    )
    by_queue = {row["queue_id"]: row for row in rows}
    return [
        QueueSummary(
            queue,
            by_queue.get(q.pk, {}).get("n", 0),
            by_queue.get(q.pk, {}).get("breached", 0),
            by_queue.get(q.pk, {}).get("oldest"),
        )
        for q, queue in ((q, q) for q in queues)
    ]


def queue_get_for_user(user: AbstractBaseUser, slug: str) -> Queue:
    require_view(user)
    queue = Queue.objects.prefetch_related("reviewers").filter(slug=slug).first()
    if queue is None or not queue_allows(queue, user):
        raise NotFoundError(f"There is no queue {slug!r} you review.")
    return queue


@dataclass(frozen=True)
class ItemFilters:
    category: str = ""
    content_type: str = ""
    user_id: str = ""
    min_reports: int = 0
    breached: bool = False


def items_matching(queues: list[Queue], filters: ItemFilters) -> QuerySet[Item]:
    """The open items of these queues matching the filters, in priority order."""
    items = Item.objects.filter(status=ItemStatus.OPEN, queue__in=queues)
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.content_type:
        items = items.filter(content_type=filters.content_type)
    if filters.user_id:
        items = items.filter(user__external_id=filters.user_id)
    if filters.min_reports:
        items = items.filter(report_count__gte=filters.min_reports)
    if filters.breached:
        items = items.filter(due_at__lt=clock.now())
    return items.order_by(*QUEUE_ORDER)


def item_page_rows(items: QuerySet[Item], limit: int = 50, offset: int = 0) -> list[Item]:
    return list(items.select_related("user", "claimed_by")[offset : offset + limit])


def item_get_for_user(user: AbstractBaseUser, item_id: int) -> Item:
    """The item, or NotFoundError for people who may not see it (or its queue)."""
    item = (
        Item.objects.select_related(
            "user", "queue", "claimed_by", "appeal_of", "incident", "appeal_of__policy"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None or not user_can_view(user) or not queue_allows(item.queue, user):
        raise NotFoundError(f"There is no moderation item #{item_id}.")
    return item


def item_history(item: Item) -> list:
    return list(item.events.order_by("created_at", "pk"))


def item_reports(item: Item, limit: int = 200) -> list:
    return list(item.reports.order_by("created_at", "pk")[:limit])


def item_decisions(item: Item) -> list[Decision]:
    return list(item.decisions.select_related("policy", "incident").order_by("decided_at"))


def item_deliveries(item: Item) -> list[Delivery]:
    return list(item.deliveries.order_by("-created_at")[:20])


@dataclass(frozen=True)
class UserRecord:
    user: PlatformUser
    items: list[Item]
    decisions: list[Decision]
    suspensions: list[Suspension]
    active_suspension: Suspension | None
    strikes: int
    warnings: int


def platform_user_get(user: AbstractBaseUser, external_id: str) -> PlatformUser:
    require_view(user)
    platform_user = PlatformUser.objects.filter(external_id=external_id).first()
    if platform_user is None:
        raise NotFoundError(f"There is no platform user {external_id!r}.")
    return platform_user


def user_record(platform_user: PlatformUser) -> UserRecord:
    now = clock.now()
    decisions = list(
        platform_user.decisions.select_related("policy", "item").order_by("-decided_at")[:100]
    )
    suspensions = list(platform_user.suspensions.order_by("-starts_at")[:50])
    live = [d for d in decisions if d.reversed_at is None]
    return UserRecord(
        user=platform_user,
        items=list(platform_user.items.order_by("-created_at")[:50]),
        decisions=decisions,
        suspensions=suspensions,
        active_suspension=next((s for s in suspensions if s.is_active(now)), None),
        strikes=sum(d.action in ("remove", "warn", "suspend") for d in live),
        warnings=sum(d.action == "warn" for d in live),
    )


def suspensions_active(user: AbstractBaseUser) -> list[Suspension]:
    require_view(user)
    now = clock.now()
    return list(
        Suspension.objects.filter(lifted_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("user", "decision")
        .order_by("ends_at", "-starts_at")[:500]
    )


def decisions_recent(user: AbstractBaseUser, limit: int = 100) -> QuerySet[Decision]:
    require_view(user)
    return Decision.objects.select_related("item", "user", "policy").order_by("-decided_at", "-pk")[
        :limit
    ]


def deliveries_recent(user: AbstractBaseUser, status: str = "", limit: int = 100):
    require_view(user)
    deliveries = Delivery.objects.order_by("-created_at", "-pk")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries[:limit]


def delivery_get_for_user(user: AbstractBaseUser, delivery_id: int) -> Delivery:
    require_view(user)
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFoundError(f"There is no delivery #{delivery_id}.")
    return delivery


def decision_get_for_user(user: AbstractBaseUser, decision_id: int) -> Decision:
    require_view(user)
    decision = Decision.objects.select_related("item", "policy").filter(pk=decision_id).first()
    if decision is None:
        raise NotFoundError(f"There is no decision #{decision_id}.")
    return decision


def suspension_get_for_user(user: AbstractBaseUser, suspension_id: int) -> Suspension:
    require_view(user)
    suspension = Suspension.objects.select_related("user").filter(pk=suspension_id).first()
    if suspension is None:
        raise NotFoundError(f"There is no suspension #{suspension_id}.")
    return suspension


def policy_by_slug(slug: str) -> Policy | None:
    return Policy.objects.filter(slug=slug).first() if slug else None


def policies() -> list[Policy]:
    return list(Policy.objects.all())


def can_manage_queues(user: AbstractBaseUser) -> bool:
    return user.has_perm(MANAGE_QUEUES_PERMISSION)
