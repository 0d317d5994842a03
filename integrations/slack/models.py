"""What the Slack app remembers: who is who, which channel belongs to which incident, which
messages show an incident's state, and which inbound requests it has seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LinkSource(models.TextChoices):
    EMAIL = "email", "Matched by e-mail"
    MANUAL = "manual", "Linked by the user"


class SlackUserLink(models.Model):
    """A Slack user is this Firebell user. Also the cache of e-mail lookups."""

    slack_user_id = models.CharField(max_length=32, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_link"
    )
    source = models.CharField(max_length=10, choices=LinkSource.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.slack_user_id} → {self.user}"


class IncidentChannel(models.Model):
    """The incident's own Slack channel; `channel_id` stays empty until Slack has created it."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="slack_channel_link"
    )
    channel_id = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=80, blank=True)
    topic = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    archive_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_id"], condition=~Q(channel_id=""), name="slack_one_channel_id"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.name or '…'} for incident {self.incident_id}"


class MessageKind(models.TextChoices):
    CARD = "card", "Summary card"
    NOTIFICATION = "notification", "Notification with buttons"
    TIMELINE = "timeline", "Timeline post"


class SlackMessage(models.Model):
    """A message Firebell posted. Cards and notifications are kept current with chat.update;
    a timeline post is unique per timeline event, so a retried sync never posts twice."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="slack_messages"
    )
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    channel_id = models.CharField(max_length=32)
    ts = models.CharField(max_length=32, blank=True)
    timeline_event = models.OneToOneField(
        "incidents.TimelineEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="slack_message",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_id", "ts"], condition=~Q(ts=""), name="slack_one_row_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel_id}/{self.ts}"


class InboundKind(models.TextChoices):
    COMMAND = "command", "Slash command"
    INTERACTION = "interaction", "Interaction"
    EVENT = "event", "Events API"


class SlackInbound(models.Model):
    """A verified request from Slack, stored before it is queued; `event_id` de-duplicates
    Events API retries."""

    kind = models.CharField(max_length=20, choices=InboundKind.choices)
    event_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class SlackPin(models.Model):
    """A channel message pinned (:pushpin:) to an incident's timeline, once per message."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="slack_pins"
    )
    channel_id = models.CharField(max_length=32)
    message_ts = models.CharField(max_length=32)
    timeline_event = models.ForeignKey(
        "incidents.TimelineEvent", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_id", "message_ts"], name="slack_pin_once_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"pin {self.channel_id}/{self.message_ts} on incident {self.incident_id}"
