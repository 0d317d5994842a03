"""What on-call adds to other screens: the top bar's on-call line and the incident page's
escalation and pages panels and "Escalate now" (registered in oncall.apps)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from incidents.models import IncidentStatus
from incidents.pages import IncidentPage
from oncall import selectors


def oncall_status_context(request: HttpRequest) -> Mapping[str, Any]:
    """The top bar's "You are on call for Payments until Fri 09:00" (empty when off call)."""
    return {"shift": selectors.user_oncall_status(user=request.user)}


def escalation_panel_data(page: IncidentPage) -> Mapping[str, Any]:
    triggered = page.incident.status == IncidentStatus.TRIGGERED
    return {
        "summary": selectors.incident_escalation_summary(page.incident),
        # Reassigning replaces the escalation: offered only while nobody has acknowledged.
        "reassign_schedules": selectors.schedule_choices()
        if page.can_respond and triggered
        else [],
    }


def pages_panel_data(page: IncidentPage) -> list:
    return list(selectors.incident_pages_list(page.incident.pk))


def can_escalate_now(page: IncidentPage) -> bool:
    return page.incident.status == IncidentStatus.TRIGGERED
