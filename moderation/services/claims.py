"""Claims: opening an item claims it for a few minutes so two moderators never act on the same
item. A claim is taken with a conditional UPDATE whose row count is checked; "next item" takes
the first unclaimed item with SELECT … FOR UPDATE SKIP LOCKED, so moderators asking at the same
moment get different items."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from core import clock
from core.errors import ConflictError
from moderation.models import Item, ItemStatus
from moderation.services.common import (
    MODERATE_PERMISSION,
    actor_name,
    item_event_record,
    require,
    require_queue,
)


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.FIREBELL_MODERATION_CLAIM_MINUTES)


def _claimable(actor: AbstractBaseUser, now) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=actor)


def item_claim(*, item: Item, actor: AbstractBaseUser) -> Item:
    """Claim `item` for `actor` (or extend their claim). Raises ConflictError naming the holder
    when someone else holds a live claim, or when the item is decided."""
    require(actor, MODERATE_PERMISSION, "review moderation items")
    require_queue(item, actor)
    with transaction.atomic():
        now = clock.now()
        claimed = Item.objects.filter(
            _claimable(actor, now), pk=item.pk, status=ItemStatus.OPEN
        ).update(claimed_by=actor, claimed_until=now + claim_duration())
        if not claimed:
            current = Item.objects.select_related("claimed_by").get(pk=item.pk)
            if current.status != ItemStatus.OPEN:
                raise ConflictError("This item is decided already.")
            raise ConflictError(
                f"{current.claimed_by.get_username()} is reviewing this item "
                f"(claimed until {current.claimed_until:%H:%M:%S} UTC)."
            )
        if item.claimed_by_id != actor.pk:
            item_event_record(
                item, "item.claimed", actor_label=actor_name(actor), message="Claimed", now=now
            )
    item.refresh_from_db()
    return item


def item_release(*, item: Item, actor: AbstractBaseUser) -> bool:
    """Give up `actor`'s claim on `item`; False when they held none. Idempotent."""
    require(actor, MODERATE_PERMISSION, "review moderation items")
    with transaction.atomic():
        released = Item.objects.filter(pk=item.pk, claimed_by=actor).update(
            claimed_by=None, claimed_until=None
        )
        if released:
            item_event_record(
                item,
                "item.released",
                actor_label=actor_name(actor),
                message="Claim released",
                now=clock.now(),
            )
    return bool(released)


def item_claim_next(*, actor: AbstractBaseUser, queue_ids: list[int]) -> Item | None:
    """Claim and return the highest-priority open item of these queues that nobody else holds;
    None when there is none. Concurrent callers get different items (SKIP LOCKED)."""
    require(actor, MODERATE_PERMISSION, "review moderation items")
    with transaction.atomic():
        now = clock.now()
        candidates = (
            Item.objects.filter(status=ItemStatus.OPEN, queue_id__in=queue_ids)
            .filter(Q(claimed_by__isnull=True) | Q(claimed_until__lte=now))
            .order_by("-weight", "-report_count", "created_at", "pk")
        )
        item = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if item is None:
            return None
        Item.objects.filter(pk=item.pk).update(
            claimed_by=actor, claimed_until=now + claim_duration()
        )
        item_event_record(
            item,
            "item.claimed",
            actor_label=actor_name(actor),
            message="Claimed (next item)",
            now=now,
        )
    item.refresh_from_db()
    return item
