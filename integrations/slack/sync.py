"""Keep Slack in step with the incident: its channel (created, topic, invites, archived), the
timeline posted there, and every card or notification showing its state (chat.update).

Each function is safe to run again: a retried Celery task repeats only what did not happen.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify

from core import clock
from incidents import services as incident_services
from incidents.models import Incident, Source, TimelineEvent
from incidents.selectors import incident_commander
from integrations.slack import blocks, client, users
from integrations.slack.client import SlackFailure
from integrations.slack.models import IncidentChannel, MessageKind, SlackMessage
from oncall.models import Page, PageStatus

# Kinds that change what cards and the topic show.
STATE_KINDS = {
    "incident.declared",
    "incident.acknowledged",
    "incident.mitigated",
    "incident.resolved",
    "incident.closed",
    "incident.reopened",
    "incident.unacknowledged",
    "incident.severity_changed",
    "incident.role_assigned",
    "incident.role_unassigned",
    "incident.updated",
}
POSTED_KINDS = (STATE_KINDS - {"incident.declared"}) | {
    "incident.note_added",
    "incident.stakeholder_update_posted",
    "escalation.level_paged",
    "escalation.responder_paged",
    "escalation.escalated_manually",
    "escalation.reassigned",
    "postmortem.published",  # the link to the published post-mortem (blocks.timeline_line)
}
ALREADY_IN = {"already_in_channel", "cant_invite_self"}


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related(
        "severity", "declared_by", "acknowledged_by", "mitigated_by", "resolved_by", "closed_by"
    ).get(pk=incident_id)


def channel_name(incident: Incident, suffix: str = "") -> str:
    slug = slugify(incident.title)[:60].strip("-") or "incident"
    return f"inc-{incident.number}-{slug}{suffix}"[:80]


def channel_wanted(event: TimelineEvent) -> bool:
    """Always for SEV-1 and SEV-2; otherwise when the declarer asked for one."""
    origin = (event.data.get("origin") or {}).get("slack") or {}
    return event.incident.severity.rank <= 2 or bool(origin.get("channel"))


def _post(incident: Incident, channel_id: str, *, kind: str, text: str, card: bool) -> str:
    answer = client.api(
        "chat.postMessage",
        channel=channel_id,
        text=text,
        blocks=blocks.incident_card(incident) if card else None,
    )
    return str(answer.get("ts", ""))


def card_post(incident: Incident, channel_id: str) -> SlackMessage:
    """Post the summary card to a channel and remember it, so later changes update it."""
    ts = _post(
        incident, channel_id, kind=MessageKind.CARD, text=blocks.headline(incident), card=True
    )
    message, _ = SlackMessage.objects.get_or_create(
        channel_id=channel_id, ts=ts, defaults={"incident": incident, "kind": MessageKind.CARD}
    )
    return message


def _invite(channel: IncidentChannel, people) -> None:
    ids = sorted({users.slack_user_id(person) for person in people if person} - {""})
    if not ids:
        return
    try:
        client.api("conversations.invite", channel=channel.channel_id, users=",".join(ids))
    except SlackFailure as failure:
        if failure.error not in ALREADY_IN:
            raise


def _paged_people(incident: Incident) -> list:
    pages = Page.objects.filter(incident=incident, user__isnull=False).select_related("user")
    return [page.user for page in pages]


def incident_channel_create(incident_id: int) -> str:
    """Create `#inc-<number>-<slug>`, set its topic, invite the commander, the declarer and
    everyone paged, and post the summary card. Idempotent: an existing channel is kept."""
    incident = _incident(incident_id)
    channel, _ = IncidentChannel.objects.get_or_create(incident=incident)
    if not channel.channel_id:
        for suffix in ("", "-2", "-3", f"-{incident.pk}"):
            try:
                created = client.api("conversations.create", name=channel_name(incident, suffix))
                break
            except SlackFailure as failure:
                if failure.error != "name_taken":
                    raise
        else:
            raise SlackFailure("conversations.create", "name_taken", transient=False)
        found = created.get("channel") or {}
        channel.channel_id, channel.name = found.get("id", ""), found.get("name", "")
        channel.save(update_fields=["channel_id", "name"])
    topic_sync(incident, channel)
    _invite(channel, [incident_commander(incident), incident.declared_by, *_paged_people(incident)])
    if not SlackMessage.objects.filter(
        incident=incident, channel_id=channel.channel_id, kind=MessageKind.CARD
    ).exists():
        card_post(incident, channel.channel_id)
    return f"incident {incident.number}: channel #{channel.name}"


def topic_sync(incident: Incident, channel: IncidentChannel) -> None:
    wanted = blocks.topic(incident)
    if channel.channel_id and not channel.archived_at and channel.topic != wanted:
        client.api("conversations.setTopic", channel=channel.channel_id, topic=wanted)
        IncidentChannel.objects.filter(pk=channel.pk).update(topic=wanted)


def messages_refresh(incident: Incident) -> int:
    """chat.update every card and notification of the incident to show its state now."""
    card = blocks.incident_card(incident)
    targets = {
        (m.channel_id, m.ts)
        for m in SlackMessage.objects.filter(incident=incident).exclude(kind=MessageKind.TIMELINE)
    }
    for page in Page.objects.filter(incident=incident, channel="slack", status=PageStatus.SENT):
        sent = page.provider_response or {}
        if sent.get("channel") and sent.get("ts"):
            targets.add((sent["channel"], sent["ts"]))
    for channel_id, ts in sorted(targets):
        if not ts:
            continue
        try:
            client.api(
                "chat.update",
                channel=channel_id,
                ts=ts,
                text=blocks.headline(incident),
                blocks=card,
            )
        except SlackFailure as failure:
            # A deleted message or a channel the bot left: forget it rather than fail every sync.
            if failure.error not in {
                "message_not_found",
                "channel_not_found",
                "cant_update_message",
            }:
                raise
            SlackMessage.objects.filter(channel_id=channel_id, ts=ts).delete()
    return len(targets)


def _timeline_post(event: TimelineEvent, channel: IncidentChannel) -> None:
    try:
        with transaction.atomic():
            claim = SlackMessage.objects.create(
                incident=event.incident,
                kind=MessageKind.TIMELINE,
                channel_id=channel.channel_id,
                timeline_event=event,
            )
    except IntegrityError:
        return  # posted already (or being posted by a twin task)
    try:
        answer = client.api(
            "chat.postMessage", channel=channel.channel_id, text=blocks.timeline_line(event)
        )
    except SlackFailure:
        claim.delete()  # so the retry posts it
        raise
    SlackMessage.objects.filter(pk=claim.pk).update(ts=str(answer.get("ts", "")))


def timeline_event_sync(event_id: int) -> str:
    """Bring Slack up to date after one timeline event (see the module docstring)."""
    event = TimelineEvent.objects.select_related("incident__severity", "actor").get(pk=event_id)
    incident = _incident(event.incident_id)
    done = []
    if event.kind == "incident.declared" and channel_wanted(event):
        done.append(incident_channel_create(incident.pk))
    elif (
        event.kind == "incident.severity_changed"
        and incident.severity.rank <= 2
        and incident.is_open
        and not IncidentChannel.objects.filter(incident=incident).exists()
    ):
        done.append(incident_channel_create(incident.pk))  # raised to SEV-1/2: it needs one now
    channel = IncidentChannel.objects.filter(incident=incident).exclude(channel_id="").first()
    if channel is not None and not channel.archived_at:
        if event.kind in POSTED_KINDS:
            _timeline_post(event, channel)
            done.append("posted")
        if event.kind in {
            "incident.role_assigned",
            "escalation.level_paged",
            "escalation.responder_paged",
        }:
            _invite(channel, [incident_commander(incident), *_paged_people(incident)])
        if event.kind in STATE_KINDS:
            topic_sync(incident, channel)
        if event.kind == "incident.closed":
            archive_at = clock.now() + timedelta(hours=settings.SLACK_CHANNEL_ARCHIVE_HOURS)
            IncidentChannel.objects.filter(pk=channel.pk).update(archive_at=archive_at)
        elif event.kind == "incident.reopened":
            IncidentChannel.objects.filter(pk=channel.pk).update(archive_at=None)
    if event.kind in STATE_KINDS - {"incident.declared"}:  # cards are posted fresh on declare
        done.append(f"{messages_refresh(incident)} messages updated")
    return f"event {event_id} ({event.kind}): {', '.join(done) or 'nothing to do'}"


def timeline_post_abandon(event_id: int) -> None:
    """Remember that posting this event was given up (and reported), so no sweep retries it."""
    event = TimelineEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    channel = IncidentChannel.objects.filter(incident_id=event.incident_id).first()
    with transaction.atomic():
        SlackMessage.objects.get_or_create(
            timeline_event=event,
            defaults={
                "incident_id": event.incident_id,
                "kind": MessageKind.TIMELINE,
                "channel_id": channel.channel_id if channel else "",
            },
        )


def timeline_events_unposted(
    *, older_than_seconds: int = 60, within_hours: int = 1, limit: int = 200
) -> list[int]:
    """Events a lost task never posted to their incident's channel (a sweep queues them)."""
    now = clock.now()
    link = "incident__slack_channel_link__"
    unposted = TimelineEvent.objects.filter(
        **{f"{link}archived_at__isnull": True, f"{link}channel_id__gt": ""},
        kind__in=POSTED_KINDS,
        created_at__gte=now - timedelta(hours=within_hours),
        created_at__lt=now - timedelta(seconds=older_than_seconds),
        slack_message__isnull=True,
    ).filter(created_at__gte=F(f"{link}created_at"))
    return list(unposted.order_by("created_at", "id").values_list("pk", flat=True)[:limit])


def channels_archive_due() -> int:
    """Archive the channels of incidents closed long enough ago. Idempotent."""
    if not client.is_enabled():
        return 0
    archived = 0
    due = IncidentChannel.objects.filter(
        archive_at__lte=clock.now(), archived_at__isnull=True
    ).exclude(channel_id="")
    for channel in due.select_related("incident"):
        if channel.incident.status != "closed":
            IncidentChannel.objects.filter(pk=channel.pk).update(archive_at=None)
            continue
        try:
            client.api("conversations.archive", channel=channel.channel_id)
        except SlackFailure as failure:
            if failure.transient:
                continue  # the next sweep tries again
            if failure.error != "already_archived":
                failure_report(channel.incident_id, "archive the incident channel", failure)
        IncidentChannel.objects.filter(pk=channel.pk).update(archived_at=clock.now())
        archived += 1
    return archived


def failure_report(incident_id: int, what: str, failure: SlackFailure) -> str:
    """Put a Slack failure on the incident's timeline, so it is never lost silently."""
    with transaction.atomic():
        incident = Incident.objects.get(pk=incident_id)
        incident_services.timeline_event_record(
            incident=incident,
            kind="slack.failed",
            actor=None,
            source=Source.SYSTEM,
            message=f"Slack: could not {what} ({failure.error}).",
            data={"method": failure.method, "error": failure.error},
        )
    return f"incident {incident_id}: reported {failure.method} {failure.error}"
