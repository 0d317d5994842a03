"""Trust & Safety review: reports from the platform fold into queue items, moderators decide,
decisions reach the platform through a stored outbox, and waves of reports become incidents.

Vocabulary: a *report* is one person flagging one piece of content; an *item* is what a
moderator reviews (all open reports about one piece of content, or one appeal); a *decision* is
what a moderator did with an item; a *delivery* is one decision (or suspension lift) told to the
platform's webhook.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    CHILD_SAFETY = "child_safety", "Child safety"
    VIOLENCE = "violence", "Violence"
    SELF_HARM = "self_harm", "Self-harm"
    HATE = "hate", "Hate"
    HARASSMENT = "harassment", "Harassment"
    IMPERSONATION = "impersonation", "Impersonation"
    COPYRIGHT = "copyright", "Copyright"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other"


class CategoryRule(models.Model):
    """Per-category weight (queue order), response target and wave threshold; seeded with the
    defaults in `moderation.defaults`, editable by admins."""

    category = models.CharField(max_length=20, choices=Category.choices, unique=True)
    weight = models.PositiveSmallIntegerField(help_text="Higher is reviewed first.")
    response_target_minutes = models.PositiveIntegerField()
    wave_threshold = models.PositiveIntegerField(
        help_text="More than this many reports within the window opens an incident."
    )
    wave_window_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["-weight"]

    def __str__(self) -> str:
        return self.get_category_display()


class Policy(models.Model):
    """A section of the community guidelines a removal cites."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=120)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title


class Queue(models.Model):
    """Where items are routed: the first queue (by `position`) whose rules all match takes the
    item. An empty rule matches anything; a queue without reviewers is open to every moderator."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=100)
    categories = models.JSONField(default=list, blank=True)
    content_types = models.JSONField(default=list, blank=True)
    min_report_count = models.PositiveIntegerField(default=0)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="moderation_queues"
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def matches(self, *, category: str, content_type: str, report_count: int) -> bool:
        return (
            (not self.categories or category in self.categories)
            and (not self.content_types or content_type in self.content_types)
            and report_count >= self.min_report_count
        )


class PlatformUser(models.Model):
    """A user of the moderated platform (not a Firebell account), known by the platform's id."""

    external_id = models.CharField(max_length=120, unique=True)
    display_name = models.CharField(max_length=200, blank=True)
    first_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.display_name or self.external_id


class ItemKind(models.TextChoices):
    REPORT = "report", "Reported content"
    APPEAL = "appeal", "Appeal"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class Item(models.Model):
    """One thing to review. Reports about the same content fold into its open item (a partial
    unique constraint: at most one open item per content); an appeal is its own item."""

    kind = models.CharField(max_length=10, choices=ItemKind.choices, default=ItemKind.REPORT)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    content_type = models.CharField(max_length=40)
    content_id = models.CharField(max_length=200)
    url = models.URLField(max_length=1000, blank=True)
    excerpt = models.TextField(blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    user = models.ForeignKey(PlatformUser, on_delete=models.PROTECT, related_name="items")
    category = models.CharField(max_length=20, choices=Category.choices)
    weight = models.PositiveSmallIntegerField(help_text="The category's weight, for ordering.")
    report_count = models.PositiveIntegerField(default=0)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="items")
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="The category's response target from the first report.")
    last_reported_at = models.DateTimeField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    appeal_of = models.ForeignKey(
        "Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    appeal_text = models.TextField(blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_items",
    )

    class Meta:
        permissions = [("moderate_item", "Can review and decide moderation items")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "content_id"],
                condition=Q(status="open", kind="report"),
                name="moderation_one_open_item_per_content",
            ),
            models.UniqueConstraint(
                fields=["appeal_of"],
                condition=Q(status="open", kind="appeal"),
                name="moderation_one_open_appeal_per_decision",
            ),
        ]
        indexes = [
            # The queue's order: category weight, then report count, then age.
            models.Index(
                "queue",
                models.F("weight").desc(),
                models.F("report_count").desc(),
                "created_at",
                name="moderation_item_queue_order",
                condition=Q(status="open"),
            ),
            # The same order within one category (the queue page's category filter: spam sorts
            # last, so without it a filtered page walks past every item above it).
            models.Index(
                "queue",
                "category",
                models.F("weight").desc(),
                models.F("report_count").desc(),
                "created_at",
                name="moderation_item_category_order",
                condition=Q(status="open"),
            ),
            models.Index(fields=["user", "-created_at"], name="moderation_item_user"),
            models.Index(fields=["content_type", "content_id"], name="moderation_item_content"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type} {self.content_id}"

    def is_claimed_by_other(self, user, now: datetime) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claimed_by_id != user.pk
            and self.claimed_until is not None
            and self.claimed_until > now
        )


class Report(models.Model):
    """One person's report of one piece of content; the platform's `report_id` makes a resent
    report a no-op, and so does the same reporter reporting the same item again."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reports")
    report_id = models.CharField(max_length=120, unique=True)
    reporter_id = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # Copied from the item so wave counts need no join.
    user = models.ForeignKey(PlatformUser, on_delete=models.PROTECT, related_name="reports")
    content_key = models.CharField(max_length=260)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reporter_id"], name="moderation_one_report_per_reporter"
            )
        ]
        indexes = [
            models.Index(fields=["category", "created_at"], name="moderation_report_category"),
            models.Index(fields=["user", "created_at"], name="moderation_report_user"),
            models.Index(fields=["content_key", "created_at"], name="moderation_report_content"),
        ]

    def __str__(self) -> str:
        return f"Report {self.report_id}"


class Action(models.TextChoices):
    APPROVE = "approve", "Approve"
    REMOVE = "remove", "Remove"
    WARN = "warn", "Warn"
    SUSPEND = "suspend", "Suspend"
    ESCALATE = "escalate", "Escalate to incident"
    UPHOLD = "uphold", "Uphold (appeal)"
    OVERTURN = "overturn", "Overturn (appeal)"


# Actions that count against the user on their record.
STRIKE_ACTIONS = (Action.REMOVE, Action.WARN, Action.SUSPEND)


class Decision(models.Model):
    """What a moderator did with an item: who, when, why and which policy."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="decisions")
    user = models.ForeignKey(PlatformUser, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True)
    policy = models.ForeignKey(Policy, null=True, blank=True, on_delete=models.PROTECT)
    message = models.TextField(blank=True, help_text="Sent to the user (warnings).")
    internal_note = models.TextField(blank=True)
    duration_days = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150)
    decided_at = models.DateTimeField()
    source = models.CharField(max_length=10)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by_decision = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["-decided_at"], name="moderation_decision_recent"),
            models.Index(fields=["user", "-decided_at"], name="moderation_decision_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.item_id}"


class Suspension(models.Model):
    """A suspension of a platform user; `ends_at` null means permanent. Active while not lifted
    and not past its end; the expiry sweep lifts timed ones once their end has passed."""

    user = models.ForeignKey(PlatformUser, on_delete=models.PROTECT, related_name="suspensions")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="suspensions"
    )
    reason = models.TextField()
    internal_note = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by_name = models.CharField(max_length=150)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_name = models.CharField(max_length=150, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="moderation_one_unlifted_suspension_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Suspension of {self.user_id} from {self.starts_at:%Y-%m-%d}"

    @property
    def permanent(self) -> bool:
        return self.ends_at is None

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > now)


class ItemEvent(models.Model):
    """The item's history: reported, claimed, released, decided, delivery failed…"""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    actor_name = models.CharField(max_length=150, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["item", "created_at"], name="moderation_event_item")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.item_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """The outbox: a message to the platform's webhook, stored in the transaction that made the
    decision, then sent (and retried with backoff) by Celery. `failed` after the last attempt,
    and retried again on request."""

    event = models.CharField(max_length=40)
    payload = models.JSONField()
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="moderation_delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["-created_at"], name="moderation_delivery_recent"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.event})"


class WaveScope(models.TextChoices):
    USER = "user", "One user"
    CONTENT = "content", "One piece of content"
    CATEGORY = "category", "One category"


class Wave(models.Model):
    """A burst of reports that opened an incident. At most one active wave per key (partial
    unique constraint), so concurrent intake opens exactly one incident."""

    key = models.CharField(max_length=320)
    scope = models.CharField(max_length=10, choices=WaveScope.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)
    opened_at = models.DateTimeField()
    last_report_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(active=True), name="moderation_one_active_wave"
            )
        ]

    def __str__(self) -> str:
        return self.key
