"""How on-call hears about incidents: connected in OncallConfig.ready()."""

from __future__ import annotations

from oncall import services

START = {"incident.declared", "incident.reopened", "incident.unacknowledged"}
STOP = {"incident.acknowledged", "incident.resolved", "incident.closed"}
SYNC = {"incident.acknowledged": "acknowledge", "incident.resolved": "resolve"}


def start_or_stop_escalation(sender, event, **kwargs) -> None:
    # In the incident's transaction: state and pages commit (or roll back) with the change.
    if event.kind in START:
        services.escalation_start(event.incident, paging_enabled=event.data.get("paging", True))
    elif event.kind in STOP:
        services.escalation_stop(event.incident, reason=event.kind)


def queue_provider_sync(sender, event_id, kind, incident_id, **kwargs) -> None:
    # After commit: only queue. Providers that keep state (PagerDuty) learn of ack/resolve.
    if kind in SYNC:
        from oncall.tasks import pages_sync_task

        pages_sync_task.delay(incident_id, SYNC[kind])
