"""Invitations: a one-time, expiring link that lets someone create their own account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Invitation(models.Model):
    """Only the SHA-256 of the link's token is stored: the link itself is shown (and e-mailed)
    once. `accepted_at` is set by a conditional UPDATE, so a link works exactly once."""

    email = models.EmailField()
    role = models.CharField(max_length=40, help_text="The group the new person joins.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="invitation_open_idx",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} as {self.role}"
