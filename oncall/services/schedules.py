"""Schedule writes: overrides and calendar feed tokens."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.errors import PermissionDeniedError, ValidationError
from oncall.models import CalendarToken, Override, Schedule


def override_create(
    *,
    schedule: Schedule,
    user: AbstractBaseUser,
    start_at: datetime,
    end_at: datetime,
    actor: AbstractBaseUser | None,
) -> Override:
    """Put `user` on call for `schedule` over [start_at, end_at), over every layer."""
    if actor is not None and not actor.has_perm("oncall.add_override"):
        raise PermissionDeniedError("You do not have permission to add overrides.")
    if end_at <= start_at:
        raise ValidationError(
            "An override must end after it starts.", errors={"end_at": ["Before start."]}
        )
    if not user.is_active:
        raise ValidationError(f"{user.get_username()} is not an active user.")
    with transaction.atomic():
        return Override.objects.create(
            schedule=schedule, user=user, start_at=start_at, end_at=end_at, created_by=actor
        )


def calendar_token_ensure(user: AbstractBaseUser) -> CalendarToken:
    """The secret token of `user`'s iCal feed, created on first use."""
    token, _ = CalendarToken.objects.get_or_create(user=user)
    return token


def override_delete(*, override: Override, actor: AbstractBaseUser | None) -> None:
    """Remove an override; the rotation's person is on call again in its window."""
    if actor is not None and not actor.has_perm("oncall.delete_override"):
        raise PermissionDeniedError("You do not have permission to delete overrides.")
    override.delete()


def calendar_token_rotate(user: AbstractBaseUser) -> CalendarToken:
    """A new secret for `user`'s iCal feed; the old URL stops working at once."""
    with transaction.atomic():
        CalendarToken.objects.filter(user=user).delete()
        return CalendarToken.objects.create(user=user)
