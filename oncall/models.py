"""On-call: schedules (who is on call), escalation policies (who gets paged, in what order),
notification rules (how each person wants to be reached) and the engine's state and pages."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _token() -> str:
    return secrets.token_urlsafe(24)


class Schedule(models.Model):
    """A time zone plus rotation layers and overrides; see oncall/scheduling.py for the rules."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Berlin"
    )
    ical_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShiftKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    HOURS = "hours", "Every N hours"


class Rotation(models.Model):
    """One layer of a schedule: participants take turns, one shift each, from `start_date`.

    The first shift starts on `start_date` at `handoff_time` (wall clock in the schedule's zone);
    daily and weekly shifts hand off at that wall-clock time across DST changes, N-hour shifts
    are exactly N hours long. A higher `layer` wins where it has someone.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=120)
    layer = models.PositiveSmallIntegerField(default=1)
    shift_kind = models.CharField(
        max_length=10, choices=ShiftKind.choices, default=ShiftKind.WEEKLY
    )
    shift_hours = models.PositiveSmallIntegerField(default=24, help_text="Only for N-hour shifts.")
    start_date = models.DateField()
    handoff_time = models.TimeField(default="09:00")
    end_at = models.DateTimeField(null=True, blank=True)
    weekdays = models.CharField(
        max_length=7,
        blank=True,
        default="",
        help_text="Restriction: the days (0 = Monday … 6 = Sunday, local) this layer covers; "
        "blank = every day. Elsewhere lower layers apply.",
    )

    class Meta:
        ordering = ["schedule", "-layer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "layer"], name="one_rotation_per_layer"),
            models.CheckConstraint(condition=Q(shift_hours__gte=1), name="shift_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.name} (layer {self.layer})"


class RotationParticipant(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "position"], name="one_participant_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rotation} #{self.position}: {self.user}"


class Override(models.Model):
    """`user` is on call for `schedule` from `start_at` to `end_at`, over every layer."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["schedule", "start_at"]
        indexes = [models.Index(fields=["schedule", "end_at"], name="override_schedule_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="override_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} on {self.schedule} {self.start_at:%Y-%m-%d %H:%M} to {self.end_at:%H:%M}"
        )


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class ShiftSwap(models.Model):
    """`requested_by` asks `counterpart` to take their on-call time on `schedule` over
    [start_at, end_at). Accepting creates the override that makes it so (`override`)."""

    ALLOWED_TRANSITIONS = {
        SwapStatus.REQUESTED: {SwapStatus.ACCEPTED, SwapStatus.DECLINED, SwapStatus.CANCELLED},
        SwapStatus.ACCEPTED: set(),
        SwapStatus.DECLINED: set(),
        SwapStatus.CANCELLED: set(),
    }

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="swaps")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    override = models.OneToOneField(
        Override, null=True, blank=True, on_delete=models.SET_NULL, related_name="swap"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["schedule", "start_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="swap_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Swap on {self.schedule}: {self.requested_by} → {self.counterpart} ({self.status})"


class CalendarToken(models.Model):
    """The secret in a person's iCal feed URL (one per user; rotate by deleting the row)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class EscalationPolicy(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    repeat = models.PositiveSmallIntegerField(
        default=0, help_text="How many more times the whole policy runs if nobody acknowledges."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    """Page the targets, then wait `delay` for an acknowledgement before the next level."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    delay = models.DurationField(default=timedelta(minutes=5))
    is_team_lead = models.BooleanField(
        default=False, help_text="Reminded when a SEV-1/SEV-2 stays acknowledged but unresolved."
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="one_level_per_position"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(is_team_lead=True), name="one_team_lead_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} level {self.position}"


class TargetKind(models.TextChoices):
    USER = "user", "User"
    SCHEDULE = "schedule", "On-call person of a schedule"
    SLACK_CHANNEL = "slack_channel", "Slack channel"


class EscalationTarget(models.Model):
    level = models.ForeignKey(EscalationLevel, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    slack_channel = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="user", user__isnull=False, schedule__isnull=True)
                    | Q(kind="schedule", schedule__isnull=False, user__isnull=True)
                    | Q(kind="slack_channel", user__isnull=True, schedule__isnull=True)
                    & ~Q(slack_channel="")
                ),
                name="target_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.user or self.schedule or self.slack_channel}"


class Urgency(models.TextChoices):
    HIGH = "high", "High (SEV-1, SEV-2)"
    LOW = "low", "Low"


class NotificationRule(models.Model):
    """How `user` is reached for a page of `urgency`: `channel` after `delay`.

    `address` is the phone number, webhook URL, Slack user id or e-mail address; blank means
    "derive it from the user" where the channel can (e-mail address, Slack lookup by e-mail).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_rules"
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    channel = models.CharField(max_length=30, help_text="A key of FIREBELL_NOTIFICATION_CHANNELS.")
    delay = models.DurationField(default=timedelta(0))
    address = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["user", "urgency", "delay", "id"]

    def __str__(self) -> str:
        return f"{self.user}: {self.urgency} → {self.channel} after {self.delay}"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", "Escalating"
    PAUSED = "paused", "Acknowledged (timers only)"
    STOPPED = "stopped", "Stopped"
    EXHAUSTED = "exhausted", "Every level and round paged"


class EscalationState(models.Model):
    """Where an incident's escalation stands: the database is the source of truth.

    `policy_snapshot` is the policy as it was when paging started. `next_step_at` says when the
    next level is due, `reminder_at` and `ack_timeout_at` the timers that run while acknowledged;
    the beat tick queues a task for whatever is due. `step_token` changes with every step so a
    superseded task exits quietly, and a step is claimed by an UPDATE that checks it.
    """

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="escalation"
    )
    policy = models.ForeignKey(
        EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_snapshot = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.ACTIVE
    )
    paging_enabled = models.BooleanField(default=True)
    cycle = models.PositiveIntegerField(default=1, help_text="Incremented by every (re)start.")
    round = models.PositiveSmallIntegerField(default=0)
    level = models.PositiveSmallIntegerField(
        default=0, help_text="Index of the next level to page."
    )
    step_token = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    reminder_at = models.DateTimeField(null=True, blank=True)
    ack_timeout_at = models.DateTimeField(null=True, blank=True)
    # When a task for what is due (step, reminder or timeout) was last queued: the tick queues
    # it again only once this is stale, so a backlog is not fed a copy every second.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_step_at"],
                name="escalation_next_step_idx",
                condition=Q(next_step_at__isnull=False),
            ),
            models.Index(
                fields=["reminder_at"],
                name="escalation_reminder_idx",
                condition=Q(reminder_at__isnull=False),
            ),
            models.Index(
                fields=["ack_timeout_at"],
                name="escalation_ack_timeout_idx",
                condition=Q(ack_timeout_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation of incident {self.incident_id}: {self.status}"


class PageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class PagePurpose(models.TextChoices):
    ESCALATION = "escalation", "Escalation"
    REMINDER = "reminder", "Reminder"
    MANUAL = "manual", "Manual"


class Page(models.Model):
    """One notification to one person (by one of their rules) or one Slack channel.

    Unique per (incident, cycle, round, level, purpose, user, rule): a step that runs twice
    creates nothing new. Delivery claims the row with a lease (conditional UPDATE), so a sent
    page is never sent again; `due_at` is also when the next retry is due.
    """

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="pages"
    )
    cycle = models.PositiveIntegerField(default=1)
    round = models.PositiveSmallIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)
    purpose = models.CharField(
        max_length=12, choices=PagePurpose.choices, default=PagePurpose.ESCALATION
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pages",
    )
    rule = models.ForeignKey(
        NotificationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=30)
    address = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=PageStatus.choices, default=PageStatus.PENDING)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], name="page_pending_due_idx", condition=Q(status="pending")
            ),
            models.Index(fields=["incident", "status"], name="page_incident_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "cycle", "round", "level", "purpose", "user", "rule"],
                condition=Q(user__isnull=False),
                name="one_page_per_user_rule_and_step",
            ),
            models.UniqueConstraint(
                fields=["incident", "cycle", "round", "level", "purpose", "channel", "address"],
                condition=Q(user__isnull=True),
                name="one_page_per_channel_and_step",
            ),
        ]

    def __str__(self) -> str:
        return f"Page {self.pk} ({self.channel}) for incident {self.incident_id}: {self.status}"
