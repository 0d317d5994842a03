"""Domain events: how other apps hear about incident changes.

Two signals, both carrying the TimelineEvent:

- `timeline_event_recorded` is sent *inside* the transaction that made the change. Receivers may
  write to the database (they commit or roll back with the change) but must never do network
  I/O. The escalation engine uses it so that an incident and its escalation state appear together.
- `timeline_event_committed` is sent after commit. Receivers must only queue work (a Celery task
  by id); integrations use it to deliver notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal

if TYPE_CHECKING:
    from incidents.models import TimelineEvent

timeline_event_recorded = Signal()  # kwargs: event: TimelineEvent
timeline_event_committed = Signal()  # kwargs: event_id: int, kind: str, incident_id: int


def announce(event: TimelineEvent) -> None:
    timeline_event_recorded.send(sender=None, event=event)
    event_id, kind, incident_id = event.pk, event.kind, event.incident_id
    transaction.on_commit(
        lambda: timeline_event_committed.send(
            sender=None, event_id=event_id, kind=kind, incident_id=incident_id
        )
    )
