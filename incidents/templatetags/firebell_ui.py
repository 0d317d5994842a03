"""Template helpers for the browser UI: the top bar's figures and human-readable durations."""

from __future__ import annotations

import importlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser
from django.utils.safestring import mark_safe

from core import clock
from firebell.jinja_env import render_jinja
from incidents.models import Incident
from incidents.selectors import (
    IncidentRow,
    open_incident_counts_by_severity,
    user_can_view_incidents,
)

register = template.Library()
logger = logging.getLogger(__name__)

# The on-call schedules (oncall/) are built alongside this UI: a ready-made status line wins,
# else the user's current shift from `user_shifts`; with neither the region stays empty.
ONCALL_STATUS_FUNCTIONS = ("oncall_status_for_user", "user_oncall_status")


def oncall_status(user: AbstractBaseUser) -> str | None:
    """One line such as "You are on call for Payments until Fri 09:00", or None.

    Never raises: a missing or failing on-call app must not take the incident UI down with it.
    """
    try:
        module = importlib.import_module("oncall.selectors")
    except ImportError:
        return None
    function = next(
        (getattr(module, name) for name in ONCALL_STATUS_FUNCTIONS if hasattr(module, name)), None
    )
    try:
        if function is not None:
            return _oncall_text(function(user=user))
        if hasattr(module, "user_shifts"):
            return _oncall_text(_current_shift(module.user_shifts, user))
    except Exception:  # a bug there must not break every page here
        logger.exception("oncall status lookup failed")
    return None


def _current_shift(user_shifts, user: AbstractBaseUser) -> Any:
    now = clock.now()
    shifts = user_shifts(user, start=now, end=now + timedelta(minutes=1))
    return next((s for s in shifts if s.start_at <= now < s.end_at), None)


def _oncall_text(result: Any) -> str | None:
    if not result:
        return None
    if isinstance(result, str):
        return result
    schedule = getattr(result, "schedule", None) or getattr(result, "schedule_name", "")
    schedule = getattr(schedule, "name", schedule)
    until = getattr(result, "end_at", None) or getattr(result, "ends_at", None)
    text = f"You are on call for {schedule}" if schedule else "You are on call"
    if isinstance(until, datetime):
        text += f" until {until:%a %H:%M}"
    return text


@register.simple_tag(takes_context=True)
def oncall_line(context: template.Context) -> str | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return oncall_status(user)


@register.simple_tag(takes_context=True)
def topbar(context: template.Context) -> str:
    """The top bar of a signed-in page (templates/jinja2/partials/topbar.html): Jinja2, because
    every page and every full-page poll renders it. A page that reads the open counts anyway
    offers them as `open_counts_by_severity` (a callable)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    match = request.resolver_match
    html = render_jinja(
        request,
        "partials/topbar.html",
        {
            "here": {
                "url_name": getattr(match, "url_name", None),
                "app_name": getattr(match, "app_name", None),
            },
            "may": {
                "view_schedule": user.has_perm("oncall.view_schedule"),
                "view_integration": user.has_perm("alerts.view_integration"),
                "add_incident": user.has_perm("incidents.add_incident"),
            },
            "open_counts": open_counts_for(user, context.get("open_counts_by_severity")),
            "user_name": user.get_full_name() or user.get_username(),
        },
    )
    return mark_safe(html)


def open_counts_for(user: AbstractBaseUser, provided: Any = None) -> list[tuple[Any, int]]:
    """Open incidents per severity, every severity listed (zeros too); none for outsiders."""
    if not user_can_view_incidents(user):
        return []
    return provided() if provided else open_incident_counts_by_severity()


@register.filter
def duration(value: timedelta | None) -> str:
    """A calm, short duration: 45s, 12m, 3h 05m, 2d 4h."""
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


@register.filter
def since(value: datetime | None, now: datetime | None = None) -> str:
    return duration((now or clock.now()) - value) if value else "—"


@register.simple_tag
def ack_countdown(incident: Incident | IncidentRow, now: datetime | None = None) -> dict[str, Any]:
    """The acknowledge target: time left, or how far past it; `breached` turns it red.

    Screens with many rows pass one `now` for all of them (and compute this in the view).
    """
    deadline = incident.triggered_at + incident.severity.ack_target
    if incident.acknowledged_at:
        late = incident.acknowledged_at > deadline
        took = duration(incident.acknowledged_at - incident.triggered_at)
        text = f"acknowledged in {took}" + (" (late)" if late else "")
        return {"breached": late, "done": True, "text": text}
    left = deadline - (now or clock.now())
    if left.total_seconds() >= 0:
        return {"breached": False, "done": False, "text": f"ack due in {duration(left)}"}
    return {"breached": True, "done": False, "text": f"ack overdue {duration(-left)}"}


@register.simple_tag
def stage_duration(incident: Incident, stage: str) -> dict[str, Any]:
    """Time to acknowledge / mitigate / resolve, or the time elapsed so far when not reached."""
    reached = getattr(incident, f"time_to_{stage}")
    if reached is not None:
        return {"done": True, "text": duration(reached)}
    if not incident.is_open:
        return {"done": False, "text": "—"}
    return {"done": False, "text": f"{duration(clock.now() - incident.triggered_at)} so far"}


@register.filter
def severity_class(rank: int) -> str:
    return f"sev sev-{min(int(rank), 4)}"


EVENT_LABELS = {
    "incident.declared": "Declared",
    "incident.acknowledged": "Acknowledged",
    "incident.unacknowledged": "Acknowledgement timed out",
    "incident.mitigated": "Mitigated",
    "incident.resolved": "Resolved",
    "incident.closed": "Closed",
    "incident.reopened": "Reopened",
    "incident.severity_changed": "Severity changed",
    "incident.updated": "Details changed",
    "incident.role_assigned": "Role assigned",
    "incident.role_unassigned": "Role ended",
    "incident.note_added": "Note",
    "incident.stakeholder_update_posted": "Stakeholder update",
}


@register.filter
def event_label(kind: str) -> str:
    """A timeline event kind in words; kinds from other apps fall back to their own name."""
    if kind in EVENT_LABELS:
        return EVENT_LABELS[kind]
    return kind.rsplit(".", 1)[-1].replace("_", " ").capitalize()
