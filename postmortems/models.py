"""Post-mortems (one per incident), their sections, curated timeline, reviews, action items and
the reminders sent about them.

The rules live in `postmortems/services.py` (writes) and `postmortems/selectors.py` (reads);
the status machine is here, beside the model it governs.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


# draft → in review (submitted) → published; "request changes" sends it back to draft, and a
# published post-mortem is edited again only after it is reopened (back to draft, recorded).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PostmortemStatus.DRAFT: frozenset({PostmortemStatus.IN_REVIEW}),
    PostmortemStatus.IN_REVIEW: frozenset({PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED}),
    PostmortemStatus.PUBLISHED: frozenset({PostmortemStatus.DRAFT}),
}
EDITABLE_STATUSES = (PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW)


def is_overdue(*, status: str, due_at: datetime | None, now: datetime) -> bool:
    """The one overdue rule for post-mortems: due, past due and not published."""
    return status != PostmortemStatus.PUBLISHED and due_at is not None and due_at <= now


def is_overdue_condition(*, now: datetime) -> Q:
    """`is_overdue` for `Postmortem` rows in the database (for `filter` or an aggregate's
    `filter=`), so reports count overdue post-mortems without loading them. The same rule term
    by term; tests/insights check both forms agree on every case. Change them together."""
    return ~Q(status=PostmortemStatus.PUBLISHED) & Q(due_at__isnull=False, due_at__lte=now)


class Postmortem(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="postmortem"
    )
    status = models.CharField(
        max_length=20, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT
    )
    # Who writes it (the reminders go to them); empty when started automatically without one.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postmortems_owned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Due N hours after the incident was resolved (its severity's setting); empty until then.
    due_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="postmortem_status_due_idx")]

    def __str__(self) -> str:
        return f"Post-mortem of incident #{self.incident.number}"

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[PostmortemStatus(self.status)]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class PostmortemSection(models.Model):
    """One section's Markdown. `version` grows with every save: a save names the version it
    started from, so two people on one section get a conflict instead of a silent overwrite."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    guidance = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "key"], name="one_section_per_key")
        ]

    def __str__(self) -> str:
        return self.title


class ExtraSection(models.Model):
    """A section a severity requires beyond the standard ones (admins configure these)."""

    severity = models.ForeignKey(
        "incidents.Severity", on_delete=models.CASCADE, related_name="postmortem_extra_sections"
    )
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    guidance = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["severity__rank", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["severity", "key"], name="one_extra_section_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.severity.name}: {self.title}"


class TimelineEntry(models.Model):
    """The post-mortem's own curated copy of one incident timeline event (or a row an author
    added). Editing it never touches the incident's record; `source_event` links back."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    source_event = models.ForeignKey(
        "incidents.TimelineEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_at = models.DateTimeField()
    text = models.TextField()
    original_text = models.TextField(blank=True)
    who = models.CharField(max_length=150, blank=True)
    is_key = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "timeline entries"
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "source_event"],
                condition=Q(source_event__isnull=False),
                name="one_entry_per_source_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%H:%M} {self.text[:40]}"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Review(models.Model):
    """A named reviewer of a post-mortem and their decision."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postmortem_reviews"
    )
    decision = models.CharField(
        max_length=20, choices=ReviewDecision.choices, default=ReviewDecision.PENDING
    )
    note = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "reviewer"], name="one_review_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.postmortem}: {self.decision}"


class SectionComment(models.Model):
    section = models.ForeignKey(
        PostmortemSection, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.section}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


ACTION_ITEM_OPEN_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class ActionItemPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ActionItem(models.Model):
    """A follow-up with an owner: from a post-mortem, or straight from an incident."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="action_items"
    )
    postmortem = models.ForeignKey(
        Postmortem, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    title = models.CharField(max_length=200)
    # Empty once the owner's account is deleted: the item stays, shown as "former member".
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(
        max_length=10, choices=ActionItemPriority.choices, default=ActionItemPriority.MEDIUM
    )
    status = models.CharField(
        max_length=20, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    ticket_url = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When it reached done / won't do (cleared if it is opened again).
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_item_status_due_idx")]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A reminder e-mail, claimed by its unique `key` (e.g. `postmortem:7:overdue:<due>` or
    `action-item:3:overdue:2026-12-02`) so a task run twice never sends it twice; `sent_at` is
    set once delivered, and unsent rows are retried by the next sweep."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set while one worker sends it (claimed by a conditional UPDATE), so two never both send.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key
