"""Reads the UI needs (who is on call, next handoffs, escalation state) and the iCal feeds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from icalendar import Calendar

from core import clock
from core.errors import PermissionDeniedError
from oncall import selectors, services
from oncall.models import Override, Rotation, RotationParticipant, Schedule
from tests.oncall.conftest import T0, declare, person, policy_of, schedule_of

DAY = timedelta(days=1)


@pytest.fixture
def rota(db):
    ann, bob = person("ann"), person("bob")
    return schedule_of("Daily", ann, bob, kind="daily"), ann, bob


def test_who_is_on_call_now_follows_the_rotation_and_the_override(rota, outsider):
    schedule, ann, bob = rota
    with clock.frozen_at(T0):
        assert selectors.schedule_oncall_user(schedule) == ann
        assert dict(selectors.oncall_now())[schedule] == ann
    assert selectors.schedule_oncall_user(schedule, at=T0 + DAY) == bob
    services.override_create(
        schedule=schedule, user=outsider, start_at=T0, end_at=T0 + 2 * DAY, actor=None
    )
    assert selectors.schedule_oncall_user(schedule, at=T0 + DAY) == outsider


def test_the_next_handoffs_alternate_at_nine_every_day(rota):
    schedule, ann, bob = rota
    with clock.frozen_at(T0):
        handoffs = selectors.schedule_next_handoffs(schedule, count=3)
    assert [(h.start_at.day, h.start_at.hour, h.user) for h in handoffs] == [
        (3, 9, bob),
        (4, 9, ann),
        (5, 9, bob),
    ]


def test_upcoming_shifts_cover_fourteen_days_without_gaps(rota):
    schedule, *_ = rota
    with clock.frozen_at(T0):
        shifts = selectors.schedule_upcoming_shifts(schedule)
    assert shifts[0].start_at == T0
    assert shifts[-1].end_at == T0 + 14 * DAY
    assert all(a.end_at == b.start_at for a, b in itertools.pairwise(shifts))


def test_a_persons_shifts_across_schedules_match_each_schedules_line_in_four_queries(
    rota, django_assert_num_queries
):
    daily, ann, bob = rota
    weekly = schedule_of("Weekly", bob, ann)
    services.override_create(
        schedule=weekly, user=ann, start_at=T0 + DAY, end_at=T0 + 2 * DAY, actor=None
    )
    start, end = T0, T0 + 8 * DAY
    expected = sorted(
        (
            (s.schedule, s.start_at, s.end_at, s.is_override)
            for schedule in (daily, weekly)
            for s in selectors.schedule_shifts(schedule, start=start, end=end)
            if s.user == ann
        ),
        key=lambda row: row[1],
    )
    with django_assert_num_queries(4):  # schedules, rotations, participants, overrides
        shifts = selectors.user_shifts(ann, start=start, end=end)
    assert [(s.schedule, s.start_at, s.end_at, s.is_override) for s in shifts] == expected
    assert {s.schedule for s in shifts} == {daily, weekly}
    assert any(s.is_override for s in shifts)
    with clock.frozen_at(T0):
        now_shift = selectors.user_oncall_status(user=ann)
    assert (now_shift.schedule, now_shift.until) == (daily, T0.replace(hour=9) + DAY)


def test_a_viewer_may_see_schedules_and_an_outsider_may_not(rota, viewer, outsider):
    with clock.frozen_at(T0):
        assert selectors.oncall_now(actor=viewer)
        with pytest.raises(PermissionDeniedError):
            selectors.oncall_now(actor=outsider)


def test_a_berlin_rotation_hands_off_at_nine_local_across_the_dst_change(db):
    ann, bob = person("ann"), person("bob")
    schedule = Schedule.objects.create(name="Berlin", slug="berlin", time_zone="Europe/Berlin")
    rotation = Rotation.objects.create(
        schedule=schedule,
        name="Daily",
        shift_kind="daily",
        start_date=date(2026, 3, 27),
        handoff_time="09:00",
    )
    for position, user in enumerate((ann, bob)):
        RotationParticipant.objects.create(rotation=rotation, user=user, position=position)
    start = T0.replace(month=3, day=27, hour=7)
    shifts = selectors.schedule_shifts(schedule, start=start, end=start + 4 * DAY)
    assert [s.start_at.hour for s in shifts[1:]] == [8, 7, 7]  # 09:00 CET, then 09:00 CEST


def test_the_escalation_selectors_show_state_and_pages(db, standins):
    pat = person("pat")
    incident = declare(policy_of("One", (5, [pat])))
    standins.emails_to(pat)
    state = selectors.incident_escalation_get(incident.pk)
    assert state.level == 0
    assert state.round == 1
    assert state.status == "exhausted"
    assert [p.user for p in selectors.incident_pages_list(incident.pk)] == [pat]


def test_the_schedule_feed_lists_the_final_shifts_and_needs_the_secret_token(rota, client):
    schedule, _ann, _bob = rota
    with clock.frozen_at(T0):
        response = client.get(f"/oncall/ical/schedule/{schedule.ical_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 15  # from the first shift (today 09:00) to 14 days ahead
    assert "ann" in str(events[0]["SUMMARY"])
    assert "bob" in str(events[1]["SUMMARY"])
    assert client.get("/oncall/ical/schedule/wrong-token.ics").status_code == 404


def test_a_persons_feed_lists_only_their_shifts_including_overrides(rota, client):
    schedule, ann, _bob = rota
    Override.objects.create(
        schedule=schedule, user=ann, start_at=T0 + DAY, end_at=T0 + DAY + timedelta(hours=2)
    )
    token = services.calendar_token_ensure(ann).token
    with clock.frozen_at(T0):
        response = client.get(f"/oncall/ical/user/{token}.ics")
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries
    assert all("ann" in s for s in summaries)
    assert any("override" in s for s in summaries)
