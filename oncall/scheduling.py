"""Who is on call when: pure functions over plain data, no database (property-tested).

Rules:
- A rotation's shift k starts on `start_date + k·step` at `handoff_time`, wall clock in the
  schedule's zone, for daily (step 1 day) and weekly (7 days) shifts, so handoffs stay at local
  time across DST changes; an N-hour rotation's shifts are exactly N hours from the first start.
  Participant k mod n holds shift k. A rotation covers [first shift start, end_at).
- A rotation restricted to some weekdays (local calendar days, 0 = Monday) covers only those
  days; shifts keep counting through the other days (participant k mod n still holds shift k),
  the layer is simply silent there and lower layers apply.
- The highest layer that has someone wins; an override wins over every layer inside its window,
  and of overlapping overrides the one created last (highest `order`) wins.
- The final line is the merged sequence of who is on call: consecutive, never overlapping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAILY, WEEKLY, HOURS = "daily", "weekly", "hours"


@dataclass(frozen=True)
class RotationSpec:
    layer: int
    kind: str
    start_date: date
    handoff_time: time
    participants: tuple[int, ...]
    shift_hours: int = 24
    end_at: datetime | None = None
    weekdays: tuple[int, ...] = ()  # restriction: local weekdays covered; () = every day


@dataclass(frozen=True)
class OverrideSpec:
    user_id: int
    start_at: datetime
    end_at: datetime
    order: int = 0


@dataclass(frozen=True)
class ScheduleSpec:
    tz: ZoneInfo
    rotations: tuple[RotationSpec, ...] = ()
    overrides: tuple[OverrideSpec, ...] = ()


@dataclass(frozen=True)
class Shift:
    start_at: datetime
    end_at: datetime
    user_id: int
    layer: int | None = field(default=None)  # None: an override


def shift_start(rotation: RotationSpec, tz: ZoneInfo, k: int) -> datetime:
    """When shift number `k` of `rotation` starts (UTC); k may be negative."""
    if rotation.kind == HOURS:
        anchor = datetime.combine(rotation.start_date, rotation.handoff_time, tzinfo=tz)
        return anchor.astimezone(UTC) + timedelta(hours=rotation.shift_hours * k)
    step = 7 if rotation.kind == WEEKLY else 1
    day = rotation.start_date + timedelta(days=step * k)
    # A handoff time that does not exist that day (spring forward) is read with the offset in
    # force before the change, i.e. it happens just after the gap: still monotonic.
    return datetime.combine(day, rotation.handoff_time, tzinfo=tz).astimezone(UTC)


def shift_index(rotation: RotationSpec, tz: ZoneInfo, at: datetime) -> int:
    """The k with shift_start(k) <= at < shift_start(k + 1)."""
    if rotation.kind == HOURS:
        elapsed = at - shift_start(rotation, tz, 0)
        k = math.floor(elapsed / timedelta(hours=rotation.shift_hours))
    else:
        step = 7 if rotation.kind == WEEKLY else 1
        k = math.floor((at.astimezone(tz).date() - rotation.start_date).days / step)
    while shift_start(rotation, tz, k) > at:
        k -= 1
    while shift_start(rotation, tz, k + 1) <= at:
        k += 1
    return k


def rotation_oncall_at(rotation: RotationSpec, tz: ZoneInfo, at: datetime) -> int | None:
    if not rotation.participants or at < shift_start(rotation, tz, 0):
        return None
    if rotation.end_at is not None and at >= rotation.end_at:
        return None
    if rotation.weekdays and at.astimezone(tz).weekday() not in rotation.weekdays:
        return None
    k = shift_index(rotation, tz, at)
    return rotation.participants[k % len(rotation.participants)]


def oncall_at(spec: ScheduleSpec, at: datetime) -> tuple[int, int | None] | None:
    """(user id, layer or None for an override) on call at `at`, or None when nobody is."""
    winning = [o for o in spec.overrides if o.start_at <= at < o.end_at]
    if winning:
        return max(winning, key=lambda o: o.order).user_id, None
    for rotation in sorted(spec.rotations, key=lambda r: -r.layer):
        user_id = rotation_oncall_at(rotation, spec.tz, at)
        if user_id is not None:
            return user_id, rotation.layer
    return None


def _boundaries(spec: ScheduleSpec, start: datetime, end: datetime) -> list[datetime]:
    points = {start, end}
    for rotation in spec.rotations:
        first = shift_start(rotation, spec.tz, 0)
        last_needed = min(end, rotation.end_at) if rotation.end_at else end
        points.update(p for p in (first, rotation.end_at) if p is not None)
        if first >= last_needed or not rotation.participants:
            continue
        k = shift_index(rotation, spec.tz, max(start, first))
        while (moment := shift_start(rotation, spec.tz, k)) < last_needed:
            points.add(moment)
            k += 1
        if rotation.weekdays:  # a restricted layer starts and stops at local midnights
            day = start.astimezone(spec.tz).date()
            while (midnight := _local_midnight(day, spec.tz)) < end:
                points.add(midnight)
                day += timedelta(days=1)
    for override in spec.overrides:
        points.update((override.start_at, override.end_at))
    return sorted(p for p in points if start <= p <= end)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def final_shifts(spec: ScheduleSpec, start: datetime, end: datetime) -> list[Shift]:
    """The final on-call line over [start, end): ordered, non-overlapping, merged per person."""
    shifts: list[Shift] = []
    points = _boundaries(spec, start, end)
    for a, b in pairwise(points):
        who = oncall_at(spec, a)
        if who is None:
            continue
        user_id, layer = who
        if shifts and shifts[-1].user_id == user_id and shifts[-1].end_at == a:
            shifts[-1] = Shift(shifts[-1].start_at, b, user_id, shifts[-1].layer)
        else:
            shifts.append(Shift(a, b, user_id, layer))
    return shifts


def handoffs(shifts: Sequence[Shift]) -> Iterable[tuple[datetime, int | None, int]]:
    """(moment, outgoing user or None, incoming user) for each change in the final line."""
    previous: Shift | None = None
    for shift in shifts:
        outgoing = previous.user_id if previous and previous.end_at == shift.start_at else None
        yield shift.start_at, outgoing, shift.user_id
        previous = shift
