"""The words of a page, shared by every channel so they all say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PageSummary:
    title: str
    text: str
    url: str
    incident_id: int
    incident_number: int
    severity: str
    status: str
    reminder: bool


def page_summary(page) -> PageSummary:
    incident = page.incident
    reminder = page.purpose == "reminder"
    prefix = "Reminder: still unresolved — " if reminder else ""
    title = f"[{incident.severity.name}] {prefix}#{incident.number} {incident.title}"
    text = (
        f"{incident.severity.name} incident #{incident.number} is {incident.status}: "
        f"{incident.title}"
    )
    url = f"{settings.PUBLIC_BASE_URL}/incidents/{incident.number}/"
    return PageSummary(
        title,
        text,
        url,
        incident.pk,
        incident.number,
        incident.severity.name,
        incident.status,
        reminder,
    )
