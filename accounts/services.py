"""Every write about accounts: API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from accounts.models import TOKEN_PREFIX_LENGTH, ApiToken, api_token_hash
from core import clock

# last_used_at is for people auditing their tokens, not for billing: a write at most this often
# per token keeps a busy script from turning every request into an UPDATE.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key. The key exists only here: show it once, never store it."""

    token: ApiToken
    key: str


def api_token_rotate(user: AbstractBaseUser) -> IssuedToken:
    """Give `user` a new API token; the previous one (if any) stops working at once.

    Only the key's hash and first characters are stored. One transaction.
    """
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        token = ApiToken.objects.create(
            user=user,
            key_hash=api_token_hash(key),
            key_prefix=key[:TOKEN_PREFIX_LENGTH],
            created_at=clock.now(),
        )
    return IssuedToken(token=token, key=key)


def api_token_revoke(user: AbstractBaseUser) -> bool:
    """Delete `user`'s API token; True when there was one. Idempotent."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted > 0


def api_token_used_record(token: ApiToken) -> None:
    """Note that `token` was just used; skipped when it was noted less than five minutes ago
    (a conditional UPDATE, so concurrent requests write once)."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_LAST_USED_RESOLUTION),
        pk=token.pk,
    ).update(last_used_at=now)
