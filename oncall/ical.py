"""iCal feeds of the final on-call line (icalendar)."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from core import clock
from oncall.selectors import ShiftView


def shifts_to_ical(shifts: Iterable[ShiftView], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Firebell//On-call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = clock.now()
    for shift in shifts:
        event = Event()
        uid = f"{shift.schedule.pk}-{shift.user.pk}-{int(shift.start_at.timestamp())}@firebell"
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start_at)
        event.add("dtend", shift.end_at)
        label = " (override)" if shift.is_override else ""
        event.add("summary", f"On call: {shift.schedule.name}: {shift.user.get_username()}{label}")
        calendar.add_component(event)
    return calendar.to_ical()
