"""Alert intake: integrations (where alerts come from), raw deliveries, and normalised alerts."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana Alerting"
    PAGERDUTY = "pagerduty", "PagerDuty Events API v2"
    GENERIC = "generic", "Generic JSON"


# Label value (Alertmanager/Grafana `severity`, PagerDuty `payload.severity`) → severity rank.
DEFAULT_SEVERITY_MAPPING = {
    "critical": 1,
    "page": 1,
    "error": 2,
    "high": 2,
    "warning": 3,
    "medium": 3,
    "info": 4,
    "low": 4,
}


def intake_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Integration(models.Model):
    """A monitoring source that posts alerts for one service, authenticated by its intake key.

    Only a hash of the key is stored: the key is shown once, when created or rotated.
    """

    service = models.ForeignKey(
        "incidents.Service", on_delete=models.CASCADE, related_name="integrations"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=IntegrationKind.choices)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=8, editable=False)
    key_rotated_at = models.DateTimeField(default=timezone.now, editable=False)
    enabled = models.BooleanField(default=True)
    maintenance_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until then, alerts are stored and shown but nobody is paged.",
    )
    severity_label = models.CharField(
        max_length=60, default="severity", help_text="Label whose value picks the severity."
    )
    severity_mapping = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"critical": 1, "warning": 3}; added to defaults.'
    )
    default_severity = models.ForeignKey(
        "incidents.Severity", on_delete=models.PROTECT, related_name="+"
    )
    group_by_labels = models.JSONField(
        default=list,
        blank=True,
        help_text="Labels that group alerts into one incident. Empty: Alertmanager/Grafana "
        "groupKey, else alertname+service; PagerDuty and generic group by dedup_key.",
    )
    auto_resolve = models.BooleanField(
        default=True, help_text="Resolve the incident when all of its alerts have resolved."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="integration_name_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def masked_key(self) -> str:
        return f"{self.key_prefix}{'•' * 12}"

    def in_maintenance(self, now) -> bool:
        return self.maintenance_until is not None and self.maintenance_until > now

    def severity_rank_for(self, value: str | None) -> int | None:
        if not value:
            return None
        mapping = {
            **DEFAULT_SEVERITY_MAPPING,
            **{k.lower(): v for k, v in self.severity_mapping.items()},
        }
        lowered = str(value).strip().lower()
        if lowered in mapping:
            return int(mapping[lowered])
        digits = lowered.removeprefix("sev").strip("-_ ")
        return int(digits) if digits.isdigit() else None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # accepted, waiting for the worker
    PROCESSED = "processed", "Processed"
    REJECTED = "rejected", "Rejected"  # could never be processed (bad payload)
    FAILED = "failed", "Failed"  # processing raised; the sweep retries it


class AlertDelivery(models.Model):
    """One webhook request as received, stored before Firebell answers."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="deliveries"
    )
    received_at = models.DateTimeField(default=timezone.now)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices)
    error = models.TextField(blank=True)
    signals = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    batches_done = models.PositiveIntegerField(
        default=0, help_text="Batches of its alerts applied so far (each its own transaction)."
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["integration", "-received_at"], name="delivery_recent_idx"),
            models.Index(
                fields=["received_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="delivery_unprocessed_idx",
            ),
        ]
        verbose_name_plural = "alert deliveries"

    def __str__(self) -> str:
        return f"Delivery {self.pk} to {self.integration_id} ({self.status})"


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class Alert(models.Model):
    """A normalised alert, one row per (integration, fingerprint); repeats update it."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alerts")
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    fingerprint = models.CharField(max_length=255)
    group_key = models.CharField(max_length=512)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=AlertStatus.choices)
    severity = models.ForeignKey("incidents.Severity", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=255, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    delivery_count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint"], name="one_alert_per_fingerprint"
            )
        ]
        indexes = [models.Index(fields=["incident", "status"], name="alert_incident_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class AlertGroup(models.Model):
    """Ties a group key of an integration to the incident its alerts open or join.

    At most one *open* group per (integration, group key), enforced by the database, so two
    deliveries of a new group racing each other open exactly one incident.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="groups")
    group_key = models.CharField(max_length=512)
    incident = models.OneToOneField(
        "incidents.Incident", null=True, on_delete=models.CASCADE, related_name="alert_group"
    )
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "group_key"],
                condition=Q(is_open=True),
                name="one_open_group_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_key} → {self.incident_id}"
