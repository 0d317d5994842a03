"""Keeps alert groups in step with their incidents (in the incident's own transaction)."""

from django.dispatch import receiver

from alerts.services import alert_groups_close_for_incident
from incidents.events import timeline_event_recorded


@receiver(timeline_event_recorded)
def close_alert_group_when_incident_ends(sender, event, **kwargs) -> None:
    if event.kind in {"incident.resolved", "incident.closed"}:
        alert_groups_close_for_incident(incident_id=event.incident_id)
