"""Who signs in and with what: API tokens (stored as hashes)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

# Enough of the key to recognise it in a list ("which token is this?"), far too little to use it.
TOKEN_PREFIX_LENGTH = 8


def api_token_hash(key: str) -> str:
    """SHA-256 of the key, hex. A token has 256 random bits (or 160 for one migrated from DRF's
    authtoken), so a fast unsalted hash is enough: nobody can search that space, and a lookup by
    hash stays one indexed query per request. Stable: the data migration uses the same sum."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A person's or service account's API token. Only its hash and first characters are stored;
    the key itself is shown once, when it is created."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    @property
    def masked_key(self) -> str:
        return f"{self.key_prefix}{'•' * 12}"


class UserSession(models.Model):
    """A signed-in browser session of a person, so they (or an admin) can see their sessions and
    sign out of all of them: Django's session store cannot be searched by user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    signed_in_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "signed_in_at"])]

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"
