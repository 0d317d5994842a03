"""Suspensions of platform users: created by a `suspend` decision or by hand (the command line),
lifted by hand with a reason, by an overturned appeal, or by the expiry sweep once a timed
suspension's end has passed. Every change is told to the platform (the outbox)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import clock
from core.errors import ConflictError, ValidationError
from moderation.models import Decision, PlatformUser, Suspension
from moderation.services.common import MODERATE_PERMISSION, actor_name, require
from moderation.services.deliveries import delivery_enqueue, suspension_payload

MAX_DAYS = 3650


def suspension_terms_check(*, reason: str, days: int | None, permanent: bool) -> None:
    errors = {}
    if not reason.strip():
        errors["reason"] = ["A suspension needs a reason."]
    if permanent and days:
        errors["days"] = ["Give a number of days or permanent, not both."]
    elif not permanent and not days:
        errors["days"] = ["Give a number of days (1 to 3650) or choose permanent."]
    elif days is not None and not 1 <= days <= MAX_DAYS:
        errors["days"] = ["Must be from 1 to 3650."]
    if errors:
        field, reasons = next(iter(errors.items()))
        raise ValidationError(f"{field}: {reasons[0]}", errors=errors)


def _suspension_create(
    *,
    user: PlatformUser,
    reason: str,
    days: int | None,
    internal_note: str,
    by_name: str,
    decision: Decision | None,
    now,
) -> Suspension:
    """Replace any unlifted suspension of `user` (lifted as superseded) with a new one.
    Call inside a transaction."""
    for previous in Suspension.objects.select_for_update().filter(
        user=user, lifted_at__isnull=True
    ):
        previous.lifted_at, previous.lifted_by_name = now, by_name
        previous.lift_reason = "Superseded by a new suspension"
        previous.save(update_fields=["lifted_at", "lifted_by_name", "lift_reason"])
    return Suspension.objects.create(
        user=user,
        decision=decision,
        reason=reason,
        internal_note=internal_note,
        starts_at=now,
        ends_at=now + timedelta(days=days) if days else None,
        created_by_name=by_name,
    )


def user_suspend(
    *,
    user: PlatformUser,
    actor: AbstractBaseUser | None,
    reason: str,
    days: int | None = None,
    permanent: bool = False,
    internal_note: str = "",
    actor_label: str | None = None,
) -> Suspension:
    """Suspend a platform user outside of any item (the command line). `days=None` and
    `permanent=True` suspend for good. Tells the platform (`user.suspended`)."""
    require(actor, MODERATE_PERMISSION, "suspend users")
    suspension_terms_check(reason=reason, days=days, permanent=permanent)
    with transaction.atomic():
        suspension = _suspension_create(
            user=user,
            reason=reason.strip(),
            days=days,
            internal_note=internal_note,
            by_name=actor_label or actor_name(actor),
            decision=None,
            now=clock.now(),
        )
        delivery_enqueue("user.suspended", {"suspension": suspension_payload(suspension)})
    return suspension


def suspension_lift(
    *,
    suspension: Suspension,
    actor: AbstractBaseUser | None,
    reason: str,
    actor_label: str | None = None,
) -> Suspension:
    """Lift a suspension now, with a reason. Raises ConflictError when it was lifted already.
    Tells the platform (`user.unsuspended`)."""
    require(actor, MODERATE_PERMISSION, "lift suspensions")
    if not reason.strip():
        raise ValidationError(
            "reason: Say why the suspension is lifted.",
            errors={"reason": ["Say why the suspension is lifted."]},
        )
    with transaction.atomic():
        locked = Suspension.objects.select_for_update().select_related("user").get(pk=suspension.pk)
        if locked.lifted_at is not None:
            raise ConflictError("This suspension was lifted already.")
        _lift(
            locked, by_name=actor_label or actor_name(actor), reason=reason.strip(), now=clock.now()
        )
    return locked


def _lift(suspension: Suspension, *, by_name: str, reason: str, now) -> None:
    suspension.lifted_at, suspension.lifted_by_name, suspension.lift_reason = now, by_name, reason
    suspension.save(update_fields=["lifted_at", "lifted_by_name", "lift_reason"])
    delivery_enqueue("user.unsuspended", {"suspension": suspension_payload(suspension)})


def user_unsuspend(
    *,
    user: PlatformUser,
    actor: AbstractBaseUser | None,
    reason: str,
    actor_label: str | None = None,
) -> Suspension:
    """Lift `user`'s current suspension. Raises ConflictError when they are not suspended."""
    current = Suspension.objects.filter(user=user, lifted_at__isnull=True).first()
    if current is None:
        raise ConflictError(f"{user} is not suspended.")
    return suspension_lift(suspension=current, actor=actor, reason=reason, actor_label=actor_label)


def suspensions_expire() -> int:
    """Lift every timed suspension whose end has passed (by the clock seam). Idempotent: a
    suspension is lifted once, under a row lock; returns how many were lifted now."""
    lifted = 0
    now = clock.now()
    due = Suspension.objects.filter(lifted_at__isnull=True, ends_at__lte=now)
    for suspension_id in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            suspension = (
                Suspension.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(pk=suspension_id, lifted_at__isnull=True)
                .first()
            )
            if suspension is None:
                continue
            _lift(suspension, by_name="Firebell", reason="Suspension ended", now=suspension.ends_at)
            lifted += 1
    return lifted


def suspension_reverse(suspension: Suspension, *, by_name: str, now) -> None:
    """An overturned appeal lifts the suspension it reverses. Call inside a transaction."""
    if suspension.lifted_at is None:
        _lift(suspension, by_name=by_name, reason="Appeal overturned", now=now)
