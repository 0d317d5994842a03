"""One message per page sent to a person through the `inbox` channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class InboxMessage(models.Model):
    """A page as it sits in its person's inbox; `read_at` is set by reading or acknowledging.

    One per page (unique), so a delivery attempt that runs twice leaves one message.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    page = models.OneToOneField(
        "oncall.Page", on_delete=models.CASCADE, related_name="inbox_message"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="inbox_messages"
    )
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="inbox_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["user", "-created_at"], name="inbox_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"
