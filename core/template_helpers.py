"""The helpers templates call: plain functions, registered with the Jinja2 environment
(firebell/jinja_env.py) as `GLOBALS` and `FILTERS`, and usable from Python alike.

Generic on purpose: nothing here knows a domain app. What a screen shows of its domain (an
acknowledge countdown, an event's label) is computed by that app's presenter (`<app>/pages.py`).
Times are always shown in the viewer's time zone (Django's current time zone).
"""

from __future__ import annotations

from datetime import date as datetime_date
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.utils import dateformat, timezone
from django.utils.text import Truncator
from django.utils.translation import get_language

from core import clock
from core.links import url
from core.ui import topbar


def duration(value: timedelta | None) -> str:
    """A calm, short duration: 45s, 12m, 3h 05m, 2d 4h ("—" for none)."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def since(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago `value` was, as `duration` says it ("—" for none)."""
    return duration((now or clock.now()) - value) if value else "—"


def _local(moment: datetime, zone: str | None) -> datetime:
    return timezone.localtime(moment, ZoneInfo(zone) if zone else None)


def date(
    value: datetime | datetime_date | None, format_string: str = "j M Y H:i", zone: str = ""
) -> str:
    """A moment in the viewer's time zone (or in `zone`, e.g. a schedule's own, which the page
    then names), in Django's date format syntax; a calendar day as it is; "" for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value, zone)
    return dateformat.format(value, format_string)


def truncatechars(text: str, length: int) -> str:
    return Truncator(text).chars(length)


def severity_class(rank: int) -> str:
    """The CSS class of a severity badge: rank 1 is the most severe, 4 and beyond share a look."""
    return f"sev sev-{min(int(rank), 4)}"


def yesno(value: Any, yes: str, no: str) -> str:
    return yes if value else no


GLOBALS: dict[str, Any] = {
    "url": url,
    "static": static,
    "get_messages": get_messages,
    "language": get_language,
    "now": clock.now,
    "topbar": topbar,
}
FILTERS: dict[str, Any] = {
    "date": date,
    "duration": duration,
    "severity_class": severity_class,
    "since": since,
    "truncatechars": truncatechars,
    "yesno": yesno,
}
