"""Property tests for the schedule rules (oncall/scheduling.py): pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from oncall.scheduling import (
    DAILY,
    HOURS,
    WEEKLY,
    OverrideSpec,
    RotationSpec,
    ScheduleSpec,
    final_shifts,
    oncall_at,
    shift_start,
)

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
START = datetime(2026, 1, 1, tzinfo=UTC)

zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.integers(min_value=0, max_value=400 * 24 * 60).map(
    lambda minutes: START + timedelta(minutes=minutes)
)


@st.composite
def rotations(draw, layer: int) -> RotationSpec:
    kind = draw(st.sampled_from([DAILY, WEEKLY, HOURS]))
    return RotationSpec(
        layer=layer,
        kind=kind,
        start_date=draw(st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 6, 1))),
        handoff_time=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))),
        participants=tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=5))),
        shift_hours=draw(st.integers(1, 72)),
    )


@st.composite
def overrides(draw, order: int) -> OverrideSpec:
    start = draw(instants)
    length = timedelta(minutes=draw(st.integers(1, 5 * 24 * 60)))
    return OverrideSpec(
        user_id=draw(st.integers(100, 103)), start_at=start, end_at=start + length, order=order
    )


@st.composite
def schedules(draw) -> ScheduleSpec:
    layers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True))
    count = draw(st.integers(0, 3))
    return ScheduleSpec(
        tz=draw(zones),
        rotations=tuple(draw(rotations(layer)) for layer in layers),
        overrides=tuple(draw(overrides(order)) for order in range(count)),
    )


def _covered_from(spec: ScheduleSpec) -> datetime:
    return min(shift_start(rotation, spec.tz, 0) for rotation in spec.rotations)


@given(spec=schedules(), at=instants)
def test_every_instant_after_the_first_shift_has_someone_on_call(spec, at):
    if at >= _covered_from(spec):
        assert oncall_at(spec, at) is not None


@given(spec=schedules(), data=st.data())
def test_an_override_always_wins_inside_its_window(spec, data):
    if not spec.overrides:
        return
    override = max(spec.overrides, key=lambda o: o.order)  # the last one created wins overlaps
    offset = data.draw(st.floats(0, 0.999))
    at = override.start_at + (override.end_at - override.start_at) * offset
    assert oncall_at(spec, at) == (override.user_id, None)


@settings(max_examples=60, deadline=None)
@given(spec=schedules(), start=instants, days=st.integers(1, 14), data=st.data())
def test_final_shifts_never_overlap_and_agree_with_who_is_on_call(spec, start, days, data):
    end = start + timedelta(days=days)
    shifts = final_shifts(spec, start, end)
    for shift in shifts:
        assert start <= shift.start_at < shift.end_at <= end
    for earlier, later in pairwise(shifts):
        assert earlier.end_at <= later.start_at
        assert not (earlier.end_at == later.start_at and earlier.user_id == later.user_id)
    at = start + (end - start) * data.draw(st.floats(0, 0.999))
    expected = oncall_at(spec, at)
    found = [s.user_id for s in shifts if s.start_at <= at < s.end_at]
    assert found == ([expected[0]] if expected else [])


@given(
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney"]).map(ZoneInfo),
    kind=st.sampled_from([DAILY, WEEKLY]),
    handoff=st.builds(time, st.integers(0, 23), st.sampled_from([0, 30])),
    k=st.integers(-60, 400),
)
def test_daily_and_weekly_handoffs_keep_local_wall_clock_time_across_dst(zone, kind, handoff, k):
    rotation = RotationSpec(
        layer=1, kind=kind, start_date=date(2026, 1, 5), handoff_time=handoff, participants=(1, 2)
    )
    local = shift_start(rotation, zone, k).astimezone(zone)
    step = 7 if kind == WEEKLY else 1
    assert local.date() == date(2026, 1, 5) + timedelta(days=step * k) or _in_gap(local, handoff)
    exists = datetime.combine(local.date(), handoff, tzinfo=zone)
    if _exists(exists):
        assert local.time() == handoff
    else:  # 02:30 on a spring-forward night: the handoff happens just after the gap
        assert local.time() > handoff


def _exists(moment: datetime) -> bool:
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) == moment.replace(
        tzinfo=None
    )


def _in_gap(local: datetime, handoff: time) -> bool:
    return not _exists(datetime.combine(local.date(), handoff, tzinfo=local.tzinfo))


def test_a_berlin_daily_rotation_hands_off_at_nine_local_on_both_sides_of_the_spring_change():
    berlin = ZoneInfo("Europe/Berlin")
    rotation = RotationSpec(1, DAILY, date(2026, 3, 27), time(9), participants=(1, 2))
    starts = [shift_start(rotation, berlin, k) for k in range(4)]  # 27th..30th; change on 29th
    assert [s.astimezone(berlin).hour for s in starts] == [9, 9, 9, 9]
    assert [s.hour for s in starts] == [8, 8, 7, 7]  # UTC moves by an hour
    assert starts[3] - starts[2] == timedelta(hours=24)
    assert starts[2] - starts[1] == timedelta(hours=23)


def test_a_higher_layer_wins_where_it_has_someone_and_the_lower_one_fills_the_rest():
    tz = ZoneInfo("UTC")
    base = RotationSpec(1, WEEKLY, date(2026, 1, 5), time(9), participants=(1,))
    weekend = RotationSpec(
        2,
        DAILY,
        date(2026, 1, 10),
        time(9),
        participants=(2,),
        end_at=datetime(2026, 1, 12, 9, tzinfo=UTC),
    )
    spec = ScheduleSpec(tz, (base, weekend))
    shifts = final_shifts(spec, datetime(2026, 1, 9, tzinfo=UTC), datetime(2026, 1, 14, tzinfo=UTC))
    assert [(s.start_at.day, s.start_at.hour, s.user_id) for s in shifts] == [
        (9, 0, 1),
        (10, 9, 2),
        (12, 9, 1),
    ]
