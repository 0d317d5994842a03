"""Reads for on-call: who is on call, the final line, escalation state and pages of an incident.

The browser UI and the API call these; the ones taking `actor` check that the person may see
on-call data (the `oncall.view_schedule` permission) and raise PermissionDeniedError otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from core import clock
from core.errors import PermissionDeniedError
from oncall import scheduling
from oncall.models import EscalationState, Override, Page, Schedule

UPCOMING_DAYS = 14


@dataclass(frozen=True)
class ShiftView:
    schedule: Schedule
    user: AbstractBaseUser
    start_at: datetime
    end_at: datetime
    is_override: bool


def _require_view(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not actor.has_perm("oncall.view_schedule"):
        raise PermissionDeniedError("You do not have permission to see on-call schedules.")


def schedule_spec(
    schedule: Schedule, *, start: datetime | None = None, end: datetime | None = None
) -> scheduling.ScheduleSpec:
    """The schedule as plain data, with the overrides that touch [start, end)."""
    rotations = []
    for rotation in schedule.rotations.prefetch_related("participants"):
        participants = tuple(p.user_id for p in rotation.participants.all())
        rotations.append(
            scheduling.RotationSpec(
                layer=rotation.layer,
                kind=rotation.shift_kind,
                start_date=rotation.start_date,
                handoff_time=rotation.handoff_time,
                participants=participants,
                shift_hours=rotation.shift_hours,
                end_at=rotation.end_at,
            )
        )
    overrides = Override.objects.filter(schedule=schedule)
    if start is not None:
        overrides = overrides.filter(end_at__gt=start)
    if end is not None:
        overrides = overrides.filter(start_at__lt=end)
    return scheduling.ScheduleSpec(
        tz=ZoneInfo(schedule.time_zone),
        rotations=tuple(rotations),
        overrides=tuple(
            scheduling.OverrideSpec(o.user_id, o.start_at, o.end_at, order=o.pk) for o in overrides
        ),
    )


def schedule_oncall_user(
    schedule: Schedule, *, at: datetime | None = None
) -> AbstractBaseUser | None:
    """The person on call for `schedule` at `at` (default: now), or None."""
    at = at or clock.now()
    spec = schedule_spec(schedule, start=at, end=at + timedelta(microseconds=1))
    found = scheduling.oncall_at(spec, at)
    return get_user_model().objects.filter(pk=found[0]).first() if found else None


def schedule_shifts(schedule: Schedule, *, start: datetime, end: datetime) -> list[ShiftView]:
    """The final on-call line of `schedule` over [start, end)."""
    shifts = scheduling.final_shifts(schedule_spec(schedule, start=start, end=end), start, end)
    users = get_user_model().objects.in_bulk({s.user_id for s in shifts})
    return [
        ShiftView(schedule, users[s.user_id], s.start_at, s.end_at, s.layer is None)
        for s in shifts
        if s.user_id in users
    ]


def schedule_upcoming_shifts(
    schedule: Schedule, *, actor: AbstractBaseUser | None = None, days: int = UPCOMING_DAYS
) -> list[ShiftView]:
    _require_view(actor)
    now = clock.now()
    return schedule_shifts(schedule, start=now, end=now + timedelta(days=days))


def schedule_next_handoffs(
    schedule: Schedule, *, actor: AbstractBaseUser | None = None, count: int = 5
) -> list[ShiftView]:
    """The next `count` shifts that start after now (each a handoff to `user`)."""
    now = clock.now()
    return [s for s in schedule_upcoming_shifts(schedule, actor=actor) if s.start_at > now][:count]


def oncall_now(
    *, actor: AbstractBaseUser | None = None
) -> list[tuple[Schedule, AbstractBaseUser | None]]:
    """Every schedule with the person on call right now (None where nobody is)."""
    _require_view(actor)
    now = clock.now()
    return [(s, schedule_oncall_user(s, at=now)) for s in Schedule.objects.all()]


def user_shifts(user: AbstractBaseUser, *, start: datetime, end: datetime) -> list[ShiftView]:
    """`user`'s shifts in the final line of every schedule over [start, end)."""
    mine = Q(rotations__participants__user=user) | Q(overrides__user=user)
    shifts = []
    for schedule in Schedule.objects.filter(mine).distinct():
        shifts += [
            s for s in schedule_shifts(schedule, start=start, end=end) if s.user.pk == user.pk
        ]
    return sorted(shifts, key=lambda s: s.start_at)


def incident_escalation_get(incident_id: int) -> EscalationState | None:
    """The incident's escalation state: policy snapshot, level, round, next step, timers."""
    return EscalationState.objects.select_related("policy").filter(incident_id=incident_id).first()


def incident_pages_list(incident_id: int) -> QuerySet[Page]:
    return (
        Page.objects.filter(incident_id=incident_id)
        .select_related("user")
        .order_by("created_at", "id")
    )
