"""Health checks: heartbeats (the monitored job pings Firebell) and HTTP checks (Firebell polls).

A check belongs to a service; when it goes down it sends a firing alert signal through alert
intake (an integration of that service), so grouping, paging and auto-resolve are the same as
for any alert. See docs/checks.md.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CheckKind(models.TextChoices):
    HEARTBEAT = "heartbeat", "Heartbeat (push)"
    HTTP = "http", "HTTP (pull)"


class CheckStatus(models.TextChoices):
    NEW = "new", "New"  # created, never pinged / polled
    UP = "up", "Up"
    LATE = "late", "Late"  # heartbeat: the period has passed, the grace time has not
    DOWN = "down", "Down"  # an alert is firing for it
    PAUSED = "paused", "Paused"  # not watched until resumed or pinged


# Moves the state machine allows (services.check_transition refuses the others).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CheckStatus.NEW: {CheckStatus.UP, CheckStatus.DOWN, CheckStatus.PAUSED},
    CheckStatus.UP: {CheckStatus.LATE, CheckStatus.DOWN, CheckStatus.PAUSED},
    CheckStatus.LATE: {CheckStatus.UP, CheckStatus.DOWN, CheckStatus.PAUSED},
    CheckStatus.DOWN: {CheckStatus.UP, CheckStatus.PAUSED},
    CheckStatus.PAUSED: {CheckStatus.NEW, CheckStatus.UP, CheckStatus.DOWN},
}

# Which states an alert is firing in.
ALERTING_STATUSES = frozenset({CheckStatus.DOWN})


class JsonRule(models.TextChoices):
    NONE = "", "No JSON rule"
    FIELD_EQUALS = "field_equals", "A field equals a value"
    COMPONENTS_HEALTHY = "components_healthy", 'Every component in "components" is healthy'


class Check(models.Model):
    """One watched thing. Heartbeat fields and HTTP fields live side by side (one table, one
    state machine, one sweep index); `kind` says which apply."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=CheckKind.choices)
    service = models.ForeignKey("incidents.Service", on_delete=models.CASCADE, related_name="+")
    # Where its alert signals go in: an integration of the service (created on demand).
    integration = models.ForeignKey(
        "alerts.Integration", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=CheckStatus.choices, default=CheckStatus.NEW)
    status_changed_at = models.DateTimeField(default=timezone.now)

    # Heartbeat: a ping is expected every `period`; after `grace` more it is down.
    period = models.DurationField(default=timedelta(minutes=5))
    grace = models.DurationField(default=timedelta(minutes=1))
    last_ping_at = models.DateTimeField(null=True, blank=True)
    last_start_at = models.DateTimeField(null=True, blank=True)
    late_at = models.DateTimeField(null=True, blank=True)  # last ping + period
    down_at = models.DateTimeField(null=True, blank=True)  # last ping + period + grace

    # HTTP: polled every `interval` by a worker, never twice at once (poll_claimed_until).
    url = models.URLField(max_length=1000, blank=True)
    interval = models.DurationField(default=timedelta(seconds=60))
    timeout = models.DurationField(default=timedelta(seconds=10))
    expected_status = models.PositiveSmallIntegerField(default=200)
    json_rule = models.CharField(max_length=20, choices=JsonRule.choices, blank=True)
    json_field = models.CharField(max_length=200, blank=True, help_text="Dotted path: status")
    json_value = models.CharField(max_length=200, blank=True, help_text="e.g. healthy")
    failures_to_alert = models.PositiveSmallIntegerField(default=1)
    successes_to_recover = models.PositiveSmallIntegerField(default=1)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_token = models.UUIDField(null=True, blank=True)
    poll_claimed_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="check_name_per_service"),
            models.CheckConstraint(
                condition=Q(kind="heartbeat") | ~Q(url=""), name="http_check_has_url"
            ),
        ]
        indexes = [
            # The sweep reads only watched heartbeats whose next deadline has passed.
            models.Index(
                fields=["down_at"],
                condition=Q(kind="heartbeat", status__in=["up", "late"]),
                name="check_heartbeat_due_idx",
            ),
            models.Index(
                fields=["next_poll_at"],
                condition=Q(kind="http") & ~Q(status="paused"),
                name="check_poll_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def fingerprint(self) -> str:
        return f"firebell-check-{self.uuid}"


class ResultKind(models.TextChoices):
    PING = "ping", "Ping"
    START = "start", "Start"
    FAIL = "fail", "Fail signal"
    SUCCESS = "success", "Poll succeeded"
    FAILURE = "failure", "Poll failed"


class CheckResult(models.Model):
    """A ping received or a poll made (the check page's last results and response chart)."""

    # Not `check`: that name is Django's Model.check() (system checks).
    health_check = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="results")
    at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=ResultKind.choices)
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["health_check", "-at"], name="check_result_recent_idx")]

    def __str__(self) -> str:
        return f"{self.health_check_id} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"


class CheckFlip(models.Model):
    """A change of state; consecutive flips make the history of up/down periods."""

    health_check = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="flips")
    at = models.DateTimeField()
    old_status = models.CharField(max_length=8, choices=CheckStatus.choices)
    new_status = models.CharField(max_length=8, choices=CheckStatus.choices)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["health_check", "-at"], name="check_flip_recent_idx")]

    def __str__(self) -> str:
        return f"{self.health_check_id} {self.old_status}→{self.new_status}"
