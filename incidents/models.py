from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from core import clock


class Service(models.Model):
    """Something that can break and that incidents are about."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owner_team = models.CharField(max_length=120, blank=True)
    slack_channel = models.CharField(max_length=80, blank=True, help_text="e.g. #payments-alerts")
    escalation_policy = models.ForeignKey(
        "oncall.EscalationPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_services",
        help_text="The people answerable for this service.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Severity(models.Model):
    """A configurable severity level; a lower rank is more severe (SEV-1 has rank 1)."""

    rank = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    ack_target = models.DurationField(help_text="Respond (acknowledge) within this time.")
    postmortem_required = models.BooleanField(default=False)
    postmortem_within_hours = models.PositiveIntegerField(default=48)
    # Paging for this severity: a policy that wins over the service's, and how long an
    # acknowledgement holds before the incident goes back to triggered (empty: for ever).
    escalation_policy = models.ForeignKey(
        "oncall.EscalationPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="severities",
    )
    ack_timeout = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["rank"]
        verbose_name_plural = "severities"

    def __str__(self) -> str:
        return f"{self.name} {self.label}"


class Role(models.Model):
    """An incident role such as Incident Commander; configurable, seeded with the usual four."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class IncidentStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# The one place that says which status may follow which. Reopening (resolved → triggered) starts
# a new response cycle; acknowledged → triggered is an acknowledgement that timed out.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.TRIGGERED: frozenset(
        {IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}
    ),
    IncidentStatus.ACKNOWLEDGED: frozenset(
        {IncidentStatus.MITIGATED, IncidentStatus.RESOLVED, IncidentStatus.TRIGGERED}
    ),
    IncidentStatus.MITIGATED: frozenset({IncidentStatus.RESOLVED, IncidentStatus.ACKNOWLEDGED}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CLOSED, IncidentStatus.TRIGGERED}),
    IncidentStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = (IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED)


def ack_target_breached(
    *,
    triggered_at: datetime,
    acknowledged_at: datetime | None,
    resolved_at: datetime | None,
    ack_target: timedelta,
    now: datetime,
) -> bool:
    """The acknowledge-target rule, the one place it is decided (model, UI, API, Slack).

    The clock runs from `triggered_at` until the incident is acknowledged or, failing that,
    resolved: the target is breached when that moment (or `now`, while it runs) is past
    `triggered_at + ack_target`. So a closed incident nobody acknowledged in time stays breached,
    and one resolved within the target without an acknowledgement is not.
    """
    stopped_at = acknowledged_at or resolved_at or now
    return stopped_at > triggered_at + ack_target


def ack_target_breached_expression(*, now: datetime) -> GreaterThan:
    """`ack_target_breached` for `Incident` rows in the database (a boolean expression for
    `annotate`, `filter` or an aggregate's `filter=`), so reports count breaches without loading
    incidents. The same rule term by term — the clock stops at the acknowledgement, else at the
    resolution, else runs to `now` — and tests/insights check both forms agree on every case of
    the rule's table; change them together."""
    stopped_at = Coalesce(
        F("acknowledged_at"), F("resolved_at"), Value(now, output_field=models.DateTimeField())
    )
    deadline = ExpressionWrapper(
        F("triggered_at") + F("severity__ack_target"), output_field=models.DateTimeField()
    )
    return GreaterThan(stopped_at, deadline)


class Source(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    SLACK = "slack", "Slack"
    ALERT = "alert", "Alert"
    SYSTEM = "system", "System"


class Incident(models.Model):
    number = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    customer_impact = models.TextField(blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.TRIGGERED
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    triggered_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mitigated_at = models.DateTimeField(null=True, blank=True)
    mitigated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "severity"], name="incident_status_sev_idx"),
            models.Index(fields=["-created_at", "-id"], name="incident_created_idx"),
        ]
        permissions = [("respond_incident", "Can act on incidents (acknowledge, resolve, …)")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[IncidentStatus(self.status)]

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.acknowledged_at - self.triggered_at if self.acknowledged_at else None

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.mitigated_at - self.triggered_at if self.mitigated_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.triggered_at if self.resolved_at else None

    @property
    def ack_deadline(self) -> datetime:
        return self.triggered_at + self.severity.ack_target

    def ack_target_breached(self, now: datetime | None = None) -> bool:
        """See `ack_target_breached` (module level): the one rule."""
        return ack_target_breached(
            triggered_at=self.triggered_at,
            acknowledged_at=self.acknowledged_at,
            resolved_at=self.resolved_at,
            ack_target=self.severity.ack_target,
            now=now or clock.now(),
        )


class AssignmentKind(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class RoleAssignment(models.Model):
    """Who holds a role on an incident; ended rows are the history."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AssignmentKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["role__rank", "kind", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role", "kind"],
                condition=Q(ended_at__isnull=True),
                name="one_current_holder_per_role_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} ({self.kind}) on #{self.incident.number}: {self.user}"


class TimelineEvent(models.Model):
    """One thing that happened to an incident, written by the service that made it happen."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="timeline_incident_idx")]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.kind} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class StakeholderUpdate(models.Model):
    """A message to stakeholders, with the incident's state captured when it was posted."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="stakeholder_updates"
    )
    body = models.TextField()
    status = models.CharField(max_length=20, choices=IncidentStatus.choices)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    impact = models.TextField(blank=True)
    eta = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Update on #{self.incident.number} at {self.created_at:%Y-%m-%d %H:%M}"
