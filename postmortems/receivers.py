"""How post-mortems hear about incidents: connected in PostmortemsConfig.ready()."""

from __future__ import annotations

from incidents.models import TimelineEvent
from postmortems.services import incident_resolved_postmortem_prepare


def incident_resolved(sender, event: TimelineEvent, **kwargs) -> None:
    # Inside the resolving transaction (timeline_event_recorded): database writes only.
    if event.kind == "incident.resolved":
        incident_resolved_postmortem_prepare(incident=event.incident)
