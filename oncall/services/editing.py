"""Schedule set-up from the app (admins): schedules, their rotation layers, and shift swaps
between two people (request → accept, which creates the override)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from core import clock
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from oncall import scheduling
from oncall.models import (
    Override,
    Rotation,
    RotationParticipant,
    Schedule,
    ShiftKind,
    ShiftSwap,
    SwapStatus,
)
from oncall.selectors import schedule_spec

MAX_PARTICIPANTS = 20


def _require(actor: AbstractBaseUser | None, permission: str, action: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {action}.")


def _clean_zone(time_zone: str) -> str:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{time_zone!r} is not a time zone; use an IANA name such as Europe/Berlin.",
            errors={"time_zone": ["Unknown time zone."]},
        ) from None
    return time_zone


def schedule_create(
    *,
    name: str,
    time_zone: str,
    description: str = "",
    first_layer: dict[str, Any] | None = None,
    actor: AbstractBaseUser | None,
) -> Schedule:
    """A new schedule, with its first layer when `first_layer` (rotation_save's arguments) is
    given — both or neither, in one transaction. The slug is made from the name. Needs
    `oncall.add_schedule`; a name or slug in use is a 400 naming the field."""
    _require(actor, "oncall.add_schedule", "add schedules")
    if first_layer is not None:
        with transaction.atomic():
            schedule = schedule_create(
                name=name, time_zone=time_zone, description=description, actor=actor
            )
            rotation_save(schedule=schedule, actor=actor, **first_layer)
            return schedule
    name = name.strip()
    if not name:
        raise ValidationError("A schedule needs a name.", errors={"name": ["Required."]})
    slug = slugify(name)[:120]
    if not slug:
        raise ValidationError("Use letters or digits in the name.", errors={"name": ["Invalid."]})
    try:
        with transaction.atomic():
            return Schedule.objects.create(
                name=name, slug=slug, time_zone=_clean_zone(time_zone), description=description
            )
    except IntegrityError:
        raise ValidationError(
            f"A schedule named {name!r} exists already.", errors={"name": ["Taken."]}
        ) from None


def schedule_update(
    *,
    schedule: Schedule,
    name: str,
    time_zone: str,
    description: str = "",
    actor: AbstractBaseUser | None,
) -> Schedule:
    _require(actor, "oncall.change_schedule", "change schedules")
    if not name.strip():
        raise ValidationError("A schedule needs a name.", errors={"name": ["Required."]})
    schedule.name, schedule.description = name.strip(), description
    schedule.time_zone = _clean_zone(time_zone)
    try:
        with transaction.atomic():
            schedule.save(update_fields=["name", "description", "time_zone"])
    except IntegrityError:
        raise ValidationError(
            f"A schedule named {name!r} exists already.", errors={"name": ["Taken."]}
        ) from None
    return schedule


def rotation_save(
    *,
    schedule: Schedule,
    rotation: Rotation | None = None,
    name: str,
    layer: int,
    shift_kind: str,
    shift_hours: int = 24,
    start_date: date,
    handoff_time: time,
    weekdays: list[int] | tuple[int, ...] = (),
    participants: list[AbstractBaseUser],
    actor: AbstractBaseUser | None,
) -> Rotation:
    """Create (`rotation` None) or replace a layer: its shifts, restriction and the ordered
    participants (who take turns in this order; a person may appear twice). One transaction.
    Needs `oncall.change_schedule`."""
    _require(actor, "oncall.change_schedule", "change schedules")
    if shift_kind not in ShiftKind.values:
        raise ValidationError("Choose daily, weekly or N-hour shifts.", errors={"shift_kind": [""]})
    if shift_kind == ShiftKind.HOURS and not 1 <= shift_hours <= 24 * 14:
        raise ValidationError(
            "N-hour shifts last 1 to 336 hours.", errors={"shift_hours": ["Out of range."]}
        )
    if not participants or len(participants) > MAX_PARTICIPANTS:
        raise ValidationError(
            f"A layer needs 1 to {MAX_PARTICIPANTS} participants.",
            errors={"participants": ["Required."]},
        )
    if inactive := [p.get_username() for p in participants if not p.is_active]:
        raise ValidationError(
            f"{', '.join(inactive)} cannot be on call: deactivated.",
            errors={"participants": ["Inactive."]},
        )
    days = sorted({int(day) for day in weekdays})
    if any(not 0 <= day <= 6 for day in days):
        raise ValidationError("Weekdays are 0 (Monday) to 6.", errors={"weekdays": ["Invalid."]})
    fields = {
        "name": name.strip() or f"Layer {layer}",
        "layer": layer,
        "shift_kind": shift_kind,
        "shift_hours": shift_hours if shift_kind == ShiftKind.HOURS else 24,
        "start_date": start_date,
        "handoff_time": handoff_time,
        "weekdays": "".join(str(day) for day in days if len(days) < 7),
    }
    try:
        with transaction.atomic():
            if rotation is None:
                rotation = Rotation.objects.create(schedule=schedule, **fields)
            else:
                for field, value in fields.items():
                    setattr(rotation, field, value)
                rotation.save(update_fields=list(fields))
                rotation.participants.all().delete()
            RotationParticipant.objects.bulk_create(
                RotationParticipant(rotation=rotation, user=user, position=position)
                for position, user in enumerate(participants)
            )
    except IntegrityError:
        raise ValidationError(
            f"Layer {layer} exists already on this schedule; choose another number.",
            errors={"layer": ["Taken."]},
        ) from None
    return rotation


def rotation_delete(*, rotation: Rotation, actor: AbstractBaseUser | None) -> None:
    _require(actor, "oncall.change_schedule", "change schedules")
    rotation.delete()


# --- shift swaps ---------------------------------------------------------------------------------


def swap_request(
    *,
    schedule: Schedule,
    counterpart: AbstractBaseUser,
    start_at: datetime,
    end_at: datetime,
    note: str = "",
    actor: AbstractBaseUser,
) -> ShiftSwap:
    """Ask `counterpart` to take the actor's on-call time over [start_at, end_at). The actor
    must be on call (final line) for the whole window; nothing changes until accepted."""
    _require(actor, "oncall.add_override", "swap shifts")
    if end_at <= start_at:
        raise ValidationError("A swap must end after it starts.", errors={"end_at": ["Before."]})
    if start_at < clock.now():
        raise ValidationError("A swap must be in the future.", errors={"start_at": ["Past."]})
    if counterpart.pk == actor.pk or not counterpart.is_active:
        raise ValidationError(
            "Choose someone else, who is active.", errors={"counterpart": ["Invalid."]}
        )
    spec = schedule_spec(schedule, start=start_at, end=end_at)
    shifts = scheduling.final_shifts(spec, start_at, end_at)
    covered = sum(((s.end_at - s.start_at) for s in shifts if s.user_id == actor.pk), timedelta())
    if covered != end_at - start_at:
        raise ValidationError(
            "You are not on call for the whole of that time on this schedule.",
            errors={"start_at": ["Not your shift."]},
        )
    return ShiftSwap.objects.create(
        schedule=schedule,
        requested_by=actor,
        counterpart=counterpart,
        start_at=start_at,
        end_at=end_at,
        note=note.strip()[:500],
    )


def _decide(swap: ShiftSwap, to: str, actor: AbstractBaseUser, allowed_user_id: int) -> ShiftSwap:
    if actor.pk != allowed_user_id:
        raise NotFoundError("There is no such swap request for you.")
    locked = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    if to not in ShiftSwap.ALLOWED_TRANSITIONS[SwapStatus(locked.status)]:
        raise ConflictError(f"This swap is {locked.status}; it cannot be {to} now.")
    locked.status, locked.decided_at = to, clock.now()
    return locked


def swap_accept(*, swap: ShiftSwap, actor: AbstractBaseUser) -> ShiftSwap:
    """The counterpart accepts: an override puts them on call for the window, in the same
    transaction. Only the counterpart may; a decided swap is a 409."""
    with transaction.atomic():
        locked = _decide(swap, SwapStatus.ACCEPTED, actor, swap.counterpart_id)
        locked.override = Override.objects.create(
            schedule_id=locked.schedule_id,
            user=actor,
            start_at=locked.start_at,
            end_at=locked.end_at,
            created_by=actor,
        )
        locked.save(update_fields=["status", "decided_at", "override"])
    return locked


def swap_decline(*, swap: ShiftSwap, actor: AbstractBaseUser) -> ShiftSwap:
    """The counterpart declines, or the requester withdraws (cancelled)."""
    with transaction.atomic():
        if actor.pk == swap.requested_by_id:
            locked = _decide(swap, SwapStatus.CANCELLED, actor, swap.requested_by_id)
        else:
            locked = _decide(swap, SwapStatus.DECLINED, actor, swap.counterpart_id)
        locked.save(update_fields=["status", "decided_at"])
    return locked
