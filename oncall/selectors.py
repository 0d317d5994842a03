"""Reads for on-call: who is on call, the final line, escalation state and pages of an incident.

The browser UI and the API call these; the ones taking `actor` check that the person may see
on-call data (the `oncall.view_schedule` permission) and raise PermissionDeniedError otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet

from core import clock
from core.errors import NotFoundError, PermissionDeniedError
from oncall import scheduling
from oncall.models import (
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    EscalationStatus,
    EscalationTarget,
    NotificationRule,
    Override,
    Page,
    Rotation,
    Schedule,
    ShiftSwap,
    SwapStatus,
    Urgency,
)

if TYPE_CHECKING:
    from incidents.models import Incident

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
    overrides = Override.objects.filter(schedule=schedule)
    if start is not None:
        overrides = overrides.filter(end_at__gt=start)
    if end is not None:
        overrides = overrides.filter(start_at__lt=end)
    return _spec(schedule, schedule.rotations.prefetch_related("participants"), overrides)


def _spec(
    schedule: Schedule, rotations: Iterable[Rotation], overrides: Iterable[Override]
) -> scheduling.ScheduleSpec:
    return scheduling.ScheduleSpec(
        tz=ZoneInfo(schedule.time_zone),
        rotations=tuple(
            scheduling.RotationSpec(
                layer=rotation.layer,
                kind=rotation.shift_kind,
                start_date=rotation.start_date,
                handoff_time=rotation.handoff_time,
                participants=tuple(p.user_id for p in rotation.participants.all()),
                shift_hours=rotation.shift_hours,
                end_at=rotation.end_at,
                weekdays=tuple(int(day) for day in rotation.weekdays),
            )
            for rotation in rotations
        ),
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
    _require_view(actor)
    now = clock.now()  # one "now": the shift in progress starts exactly at the window's start
    shifts = schedule_shifts(schedule, start=now, end=now + timedelta(days=UPCOMING_DAYS))
    return [s for s in shifts if s.start_at > now][:count]


def oncall_now(
    *, actor: AbstractBaseUser | None = None
) -> list[tuple[Schedule, AbstractBaseUser | None]]:
    """Every schedule with the person on call right now (None where nobody is)."""
    _require_view(actor)
    now = clock.now()
    return [(s, schedule_oncall_user(s, at=now)) for s in Schedule.objects.all()]


def user_shifts(user: AbstractBaseUser, *, start: datetime, end: datetime) -> list[ShiftView]:
    """`user`'s shifts in the final line of every schedule over [start, end).

    The top bar of every page asks: four queries however many schedules the user is in.
    """
    mine = Q(rotations__participants__user=user) | Q(overrides__user=user)
    schedules = (
        Schedule.objects.filter(mine)
        .distinct()
        .prefetch_related(
            "rotations__participants",
            Prefetch(
                "overrides",
                queryset=Override.objects.filter(end_at__gt=start, start_at__lt=end),
                to_attr="overrides_in_window",
            ),
        )
    )
    shifts = []
    for schedule in schedules:
        spec = _spec(schedule, schedule.rotations.all(), schedule.overrides_in_window)
        shifts += [
            ShiftView(schedule, user, s.start_at, s.end_at, s.layer is None)
            for s in scheduling.final_shifts(spec, start, end)
            if s.user_id == user.pk
        ]
    return sorted(shifts, key=lambda s: s.start_at)


ONCALL_STATUS_HORIZON = timedelta(days=8)  # covers any daily or weekly shift's handoff


class OnCallStatus(NamedTuple):
    schedule: Schedule
    until: datetime | None  # None: no handoff within ONCALL_STATUS_HORIZON (e.g. a one-person rota)


def user_oncall_status(*, user: AbstractBaseUser) -> OnCallStatus | None:
    """The shift `user` is on now and when it really ends, for the top bar; None when off call.

    A shift still running at the horizon has no known end here: it is shown without one, never
    with the horizon (which would move with the clock)."""
    now = clock.now()
    horizon = now + ONCALL_STATUS_HORIZON
    shifts = user_shifts(user, start=now, end=horizon)
    shift = next((s for s in shifts if s.start_at <= now < s.end_at), None)
    if shift is None:
        return None
    return OnCallStatus(shift.schedule, None if shift.end_at >= horizon else shift.end_at)


def incident_escalation_get(incident_id: int) -> EscalationState | None:
    """The incident's escalation state: policy snapshot, level, round, next step, timers."""
    return EscalationState.objects.select_related("policy").filter(incident_id=incident_id).first()


def incident_pages_list(incident_id: int) -> QuerySet[Page]:
    return (
        Page.objects.filter(incident_id=incident_id)
        .select_related("user")
        # What the incident page shows: not the provider's answer (JSON) nor the user's password.
        .only(
            "incident_id",
            "round",
            "level",
            "purpose",
            "channel",
            "status",
            "last_error",
            "created_at",
            "user__username",
            "user__first_name",
            "user__last_name",
        )
        .order_by("created_at", "id")
    )


# --- The browser UI ------------------------------------------------------------------------------


def user_can_view_oncall(user: AbstractBaseUser) -> bool:
    return user.has_perm("oncall.view_schedule")


def user_can_add_override(user: AbstractBaseUser) -> bool:
    return user.has_perm("oncall.add_override")


def user_can_delete_override(user: AbstractBaseUser) -> bool:
    return user.has_perm("oncall.delete_override")


def user_can_edit_schedules(user: AbstractBaseUser) -> bool:
    return user.has_perm("oncall.change_schedule") and user.has_perm("oncall.add_schedule")


def schedule_swaps_open(schedule: Schedule) -> list[ShiftSwap]:
    """Swaps of `schedule` still waiting for an answer, and accepted ones not over yet."""
    return list(
        ShiftSwap.objects.filter(schedule=schedule, end_at__gt=clock.now())
        .filter(status__in=[SwapStatus.REQUESTED, SwapStatus.ACCEPTED])
        .select_related("requested_by", "counterpart")
        .order_by("start_at")
    )


def user_can_edit_policies(user: AbstractBaseUser) -> bool:
    return user.has_perm("oncall.change_escalationpolicy")


@dataclass(frozen=True)
class ScheduleSummary:
    schedule: Schedule
    oncall: AbstractBaseUser | None
    next_handoffs: list[ShiftView]


def oncall_overview(*, actor: AbstractBaseUser) -> list[ScheduleSummary]:
    """Every schedule with who is on call now and the next few handoffs."""
    return [
        ScheduleSummary(schedule, user, schedule_next_handoffs(schedule, actor=actor, count=3))
        for schedule, user in oncall_now(actor=actor)
    ]


def schedule_get_for_user(*, actor: AbstractBaseUser, slug: str) -> Schedule:
    _require_view(actor)
    schedule = Schedule.objects.filter(slug=slug).first()
    if schedule is None:
        raise NotFoundError(f"There is no schedule {slug}.")
    return schedule


def schedule_overrides_upcoming(schedule: Schedule) -> list[Override]:
    """Overrides that have not ended yet, soonest first."""
    return list(
        schedule.overrides.filter(end_at__gt=clock.now())
        .select_related("user", "created_by")
        .order_by("start_at", "id")
    )


@dataclass(frozen=True)
class DaySegment:
    """The part of one shift that falls on one day (times in the schedule's zone)."""

    user: AbstractBaseUser
    start_at: datetime
    end_at: datetime
    starts_today: bool
    ends_today: bool
    is_override: bool
    colour: int


@dataclass(frozen=True)
class TableRow:
    label: str
    kind: str  # "layer", "overrides" or "final"
    cells: list[list[DaySegment]]


@dataclass(frozen=True)
class DayTable:
    days: list[date]
    rows: list[TableRow] = field(default_factory=list)
    time_zone: str = "UTC"


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


def schedule_day_table(schedule: Schedule, *, days: int = UPCOMING_DAYS) -> DayTable:
    """Day by day from today (in the schedule's zone): each layer, the overrides, the final
    line. Each cell lists who holds that day, with times where a shift starts or ends in it."""
    tz = ZoneInfo(schedule.time_zone)
    today = clock.now().astimezone(tz).date()
    day_list = [today + timedelta(days=n) for n in range(days)]
    start, end = _day_bounds(day_list[0], tz)[0], _day_bounds(day_list[-1], tz)[1]
    spec = schedule_spec(schedule, start=start, end=end)
    names = {r.layer: r.name for r in Rotation.objects.filter(schedule=schedule)}
    lines: list[tuple[str, str, list[scheduling.Shift]]] = []
    for rotation in sorted(spec.rotations, key=lambda r: -r.layer):
        alone = scheduling.ScheduleSpec(tz=tz, rotations=(rotation,))
        label = f"Layer {rotation.layer}: {names.get(rotation.layer, '')}".rstrip(": ")
        lines.append((label, "layer", scheduling.final_shifts(alone, start, end)))
    if spec.overrides:
        alone = scheduling.ScheduleSpec(tz=tz, overrides=spec.overrides)
        lines.append(("Overrides", "overrides", scheduling.final_shifts(alone, start, end)))
    lines.append(("Final", "final", scheduling.final_shifts(spec, start, end)))
    users = get_user_model().objects.in_bulk({s.user_id for _, _, line in lines for s in line})
    colours: dict[int, int] = {}
    rows = []
    for label, kind, line in lines:
        cells = []
        for day in day_list:
            day_start, day_end = _day_bounds(day, tz)
            cell = []
            for shift in line:
                if shift.end_at <= day_start or shift.start_at >= day_end:
                    continue
                if shift.user_id not in users:
                    continue
                colour = colours.setdefault(shift.user_id, len(colours) % 8)
                cell.append(
                    DaySegment(
                        user=users[shift.user_id],
                        start_at=max(shift.start_at, day_start).astimezone(tz),
                        end_at=min(shift.end_at, day_end).astimezone(tz),
                        starts_today=shift.start_at > day_start,
                        ends_today=shift.end_at < day_end,
                        is_override=shift.layer is None,
                        colour=colour,
                    )
                )
            cells.append(cell)
        rows.append(TableRow(label, kind, cells))
    return DayTable(day_list, rows, schedule.time_zone)


def policy_list_for_user(*, actor: AbstractBaseUser) -> QuerySet[EscalationPolicy]:
    """Every policy with its level count and the services and severities that use it."""
    _require_view(actor)
    return EscalationPolicy.objects.annotate(level_count=Count("levels")).prefetch_related(
        "services", "severities"
    )


def policy_get_for_user(*, actor: AbstractBaseUser, slug: str) -> EscalationPolicy:
    """The policy with its levels and their targets loaded, in order."""
    _require_view(actor)
    targets = EscalationTarget.objects.select_related("user", "schedule").order_by("id")
    levels = EscalationLevel.objects.order_by("position").prefetch_related(
        Prefetch("targets", queryset=targets)
    )
    policy = (
        EscalationPolicy.objects.prefetch_related(
            Prefetch("levels", queryset=levels), "services", "severities"
        )
        .filter(slug=slug)
        .first()
    )
    if policy is None:
        raise NotFoundError(f"There is no escalation policy {slug}.")
    return policy


@dataclass(frozen=True)
class RuleGroup:
    urgency: str
    label: str
    rules: list[NotificationRule]
    defaults: list[tuple[str, int]]  # (channel, minutes) that apply when the person has no rules


def user_notification_rules(user: AbstractBaseUser) -> list[RuleGroup]:
    """The person's rules per urgency, in order. Someone with no rules at all gets the defaults
    at their first page; someone with rules for one urgency only is not reached for the other."""
    from oncall.services.rules import default_rules

    rules = list(NotificationRule.objects.filter(user=user).order_by("delay", "id"))
    defaults = [] if rules else default_rules()
    return [
        RuleGroup(
            value,
            label,
            [r for r in rules if r.urgency == value],
            [(channel, minutes) for u, channel, minutes in defaults if u == value],
        )
        for value, label in Urgency.choices
    ]


def user_upcoming_shifts(user: AbstractBaseUser, *, days: int = UPCOMING_DAYS) -> list[ShiftView]:
    now = clock.now()
    return user_shifts(user, start=now, end=now + timedelta(days=days))


@dataclass(frozen=True)
class EscalationSummary:
    """An incident's escalation in words and numbers, for the incident page."""

    state: EscalationState
    policy_name: str
    levels_total: int
    current_level: int | None  # the level paged last in this round; None before the first
    next_level: int | None  # the level the next step pages; None when nothing is scheduled
    round: int  # 1-based
    rounds_total: int
    next_step_at: datetime | None
    next_step_in: timedelta | None
    reason: str


def _escalation_reason(state: EscalationState, levels_total: int, rounds_total: int) -> str:
    incident_status = state.incident.status
    if state.status == EscalationStatus.EXHAUSTED:
        times = "once" if rounds_total == 1 else f"{rounds_total} times"
        return f"Every level was paged {times} and nobody acknowledged."
    if state.status == EscalationStatus.PAUSED:
        return "Acknowledged: nobody more is paged unless the acknowledgement times out."
    if state.status == EscalationStatus.STOPPED:
        if not state.paging_enabled:
            return "Paging is off for this incident (maintenance)."
        if not state.policy_snapshot:
            return "No escalation policy applies to this incident: nobody is paged."
        if not levels_total:
            return "The policy has no levels: nobody is paged."
        return f"The incident is {incident_status}: nobody more is paged."
    return ""


def incident_escalation_summary(incident: Incident) -> EscalationSummary | None:
    """The escalation of an incident for display; None when it never had one."""
    state = EscalationState.objects.select_related("policy").filter(incident=incident).first()
    if state is None:
        return None
    state.incident = incident  # the caller's: the incident row is not read twice
    snapshot = state.policy_snapshot or {}
    levels_total = len(snapshot.get("levels", []))
    rounds_total = snapshot.get("repeat", 0) + 1
    if state.level > 0:
        current, round_number = state.level, state.round + 1
    elif state.round > 0:  # the last step finished a round
        current, round_number = levels_total, state.round
    else:
        current, round_number = None, 1
    active = state.status == EscalationStatus.ACTIVE and state.next_step_at is not None
    now = clock.now()
    return EscalationSummary(
        state=state,
        policy_name=snapshot.get("name") or "No policy",
        levels_total=levels_total,
        current_level=current,
        next_level=state.level + 1 if active else None,
        round=min(round_number, rounds_total),
        rounds_total=rounds_total,
        next_step_at=state.next_step_at if active else None,
        next_step_in=max(state.next_step_at - now, timedelta(0)) if active else None,
        reason=_escalation_reason(state, levels_total, rounds_total),
    )


def schedule_choices() -> list[tuple[str, str]]:
    """(slug, name) of every schedule, by name: where an incident can be reassigned to."""
    return list(Schedule.objects.order_by("name").values_list("slug", "name"))


@dataclass(frozen=True)
class OnCallAt:
    """Who is on call for `schedule` at a moment: the shift of the final line holding it."""

    schedule: Schedule
    user: AbstractBaseUser | None
    layer: int | None  # None with an override (or nobody)
    is_override: bool
    since: datetime | None
    until: datetime | None  # None: nobody takes over within 14 days


def oncall_at_all(*, actor: AbstractBaseUser, at: datetime | None = None) -> list[OnCallAt]:
    """Every schedule with who is on call at `at` (default now), and from when until when."""
    _require_view(actor)
    at = at or clock.now()
    rows = []
    for schedule in Schedule.objects.prefetch_related("rotations__participants"):
        start, end = at - timedelta(days=UPCOMING_DAYS), at + timedelta(days=UPCOMING_DAYS)
        shifts = scheduling.final_shifts(schedule_spec(schedule, start=start, end=end), start, end)
        current = next((s for s in shifts if s.start_at <= at < s.end_at), None)
        rows.append((schedule, current))
    users = get_user_model().objects.in_bulk({c.user_id for _, c in rows if c})
    return [
        OnCallAt(
            schedule,
            users.get(current.user_id) if current else None,
            current.layer if current else None,
            bool(current and current.layer is None),
            current.start_at if current else None,
            current.end_at if current and current.end_at < end_of(at) else None,
        )
        for schedule, current in rows
    ]


def end_of(at: datetime) -> datetime:
    """The end of the window `oncall_at_all` looks at: a shift reaching it has no known end."""
    return at + timedelta(days=UPCOMING_DAYS)


def schedule_list(*, actor: AbstractBaseUser) -> QuerySet[Schedule]:
    _require_view(actor)
    return Schedule.objects.prefetch_related("rotations__participants__user").order_by("name")


def schedule_overrides(
    schedule: Schedule, *, after: datetime | None = None, before: datetime | None = None
) -> QuerySet[Override]:
    """Overrides of `schedule` that end after `after` and start before `before`, by start."""
    overrides = schedule.overrides.select_related("user", "created_by")
    if after is not None:
        overrides = overrides.filter(end_at__gt=after)
    if before is not None:
        overrides = overrides.filter(start_at__lt=before)
    return overrides.order_by("start_at", "id")
