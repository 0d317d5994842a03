"""How the Slack app hears about incidents: connected in SlackConfig.ready()."""

from __future__ import annotations

from integrations.slack import client
from integrations.slack.sync import POSTED_KINDS, STATE_KINDS

SYNCED_KINDS = STATE_KINDS | POSTED_KINDS


def queue_timeline_sync(sender, event_id: int, kind: str, incident_id: int, **kwargs) -> None:
    # After commit: only queue. `slack.*` events (our own failure reports) are never synced.
    if kind in SYNCED_KINDS and client.is_enabled():
        from integrations.slack.tasks import slack_timeline_event_sync_task

        slack_timeline_event_sync_task.delay(event_id)
