"""Celery tasks of the Slack app: thin, by id, safe to run again. A transient Slack failure is
retried (after Slack's Retry-After, bounded); a permanent one, or the last retry, is reported on
the incident's timeline."""

from __future__ import annotations

from celery import shared_task

from incidents.models import TimelineEvent
from integrations.slack import client, inbound, sync
from integrations.slack.client import SlackFailure

MAX_RETRIES = 5


def _backoff(task, failure: SlackFailure) -> int:
    return (
        failure.retry_after if failure.retry_after is not None else 2 ** (task.request.retries + 1)
    )


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def slack_timeline_event_sync_task(self, event_id: int) -> str:
    try:
        return sync.timeline_event_sync(event_id)
    except TimelineEvent.DoesNotExist:
        return f"event {event_id} is gone"
    except SlackFailure as failure:
        if failure.transient and self.request.retries < self.max_retries:
            raise self.retry(countdown=_backoff(self, failure)) from None
        sync.timeline_post_abandon(event_id)
        incident_id = TimelineEvent.objects.values_list("incident_id", flat=True).get(pk=event_id)
        return sync.failure_report(
            incident_id, f"sync a change to Slack ({failure.method})", failure
        )


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def slack_inbound_process_task(self, inbound_id: int) -> str:
    try:
        return inbound.inbound_process(inbound_id)
    except inbound.Retry as retry:
        failure = retry.failure
        if self.request.retries < self.max_retries:
            raise self.retry(countdown=_backoff(self, failure)) from None
        return inbound.inbound_give_up(inbound_id, failure)


@shared_task(ignore_result=True)
def slack_sweep_task() -> str:
    """Beat: archive channels that are due; queue again requests and timeline posts whose task
    was lost (each is claimed when it runs, so a slow task and its twin do the work once)."""
    if not client.is_enabled():
        return "Slack app is off"
    archived = sync.channels_archive_due()
    requeued = inbound.inbounds_requeue_lost()
    inbound.inbounds_purge()
    unposted = sync.timeline_events_unposted()
    for event_id in unposted:
        slack_timeline_event_sync_task.delay(event_id)
    return (
        f"{archived} channels archived, {requeued} requests and {len(unposted)} timeline "
        "events queued again"
    )
