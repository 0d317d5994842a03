"""The iCal feeds of a schedule and of a person, authenticated by the token in their URL."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from core import clock
from oncall.ical import shifts_to_ical
from oncall.models import (
    CalendarToken,
    Schedule,
)
from oncall.selectors import UPCOMING_DAYS, schedule_shifts, user_shifts

ICAL = "text/calendar; charset=utf-8"


def _window():
    now = clock.now()
    return now - timedelta(days=1), now + timedelta(days=UPCOMING_DAYS)


def schedule_ical(request: HttpRequest, token: str) -> HttpResponse:
    schedule = get_object_or_404(Schedule, ical_token=token)
    start, end = _window()
    body = shifts_to_ical(schedule_shifts(schedule, start=start, end=end), name=schedule.name)
    return HttpResponse(body, content_type=ICAL)


def user_ical(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarToken.objects.select_related("user"), token=token)
    start, end = _window()
    shifts = user_shifts(feed.user, start=start, end=end)
    return HttpResponse(
        shifts_to_ical(shifts, name=f"On call: {feed.user.get_username()}"), content_type=ICAL
    )
