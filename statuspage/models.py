"""The public status page: components, published incidents with their public updates,
scheduled maintenance, and e-mail subscribers. Nothing here is ever copied from an incident's
internal fields: public text is written separately by a responder (docs/status-page.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ComponentState(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    MAINTENANCE = "under_maintenance", "Under maintenance"


# Worst first: a component shows the worst state any of its reasons gives it.
STATE_SEVERITY = {
    ComponentState.MAJOR_OUTAGE: 4,
    ComponentState.PARTIAL_OUTAGE: 3,
    ComponentState.DEGRADED: 2,
    ComponentState.MAINTENANCE: 1,
    ComponentState.OPERATIONAL: 0,
}


class ComponentGroup(models.Model):
    name = models.CharField(max_length=120, unique=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """A part of the product the public knows by name ("API", "Dashboard").

    Its state is set by hand (`manual_state`), or else derived from open incidents on its linked
    services by severity: rank ≤ `major_outage_rank` → major outage, ≤ `partial_outage_rank` →
    partial outage, any other open incident → degraded performance."""

    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    services = models.ManyToManyField("incidents.Service", blank=True, related_name="+")
    order = models.PositiveSmallIntegerField(default=100)
    manual_state = models.CharField(
        max_length=24,
        choices=ComponentState.choices,
        blank=True,
        help_text="Set by hand; empty: derived from open incidents on the linked services.",
    )
    major_outage_rank = models.PositiveSmallIntegerField(
        default=1, help_text="Open incidents of this severity rank or worse: major outage."
    )
    partial_outage_rank = models.PositiveSmallIntegerField(
        default=2, help_text="Open incidents of this severity rank or worse: partial outage."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class PublicStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class Publication(models.Model):
    """An incident shown on the status page, from the moment a responder published it."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="publication"
    )
    title = models.CharField(max_length=200, help_text="The public title (not the internal one).")
    components = models.ManyToManyField(Component, blank=True, related_name="publications")
    status = models.CharField(max_length=14, choices=PublicStatus.choices)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PublicUpdate(models.Model):
    """A public update of a published incident (its own text, never the stakeholder update's)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=14, choices=PublicStatus.choices)
    body = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="public_update_recent_idx")]

    def __str__(self) -> str:
        return f"{self.status}: {self.body[:40]}"


class Maintenance(models.Model):
    """Scheduled maintenance: its components are "under maintenance" between start and end."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="maintenances")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Subscriber(models.Model):
    """An e-mail address that asked for updates: it receives them only once confirmed (double
    opt-in), for every component or only those chosen, until it unsubscribes."""

    email = models.EmailField(max_length=254)
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="one_subscriber_per_email"
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # permanently (address refused, or too many attempts)


class SubscriberEmail(models.Model):
    """The outbox: one row per (public update, subscriber), so each is mailed exactly once.

    A sender claims a row with a conditional UPDATE (`claim_token`, `claimed_until`); a row
    whose sender died is claimed again after its lease."""

    update = models.ForeignKey(PublicUpdate, on_delete=models.CASCADE, related_name="emails")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="emails")
    status = models.CharField(
        max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "subscriber"], name="one_email_per_update")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="subscriber_email_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.subscriber_id} ({self.status})"
