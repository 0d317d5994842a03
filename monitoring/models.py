"""Self-tests: an admin pages one person end to end through a test incident."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SelfTest(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="selftest"
    )
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Self-test of {self.target} at {self.started_at:%Y-%m-%d %H:%M}"
