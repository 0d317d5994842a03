"""Every write about accounts: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from accounts.models import TOKEN_PREFIX_LENGTH, ApiToken, api_token_hash
from accounts.selectors import UNLOCK_PERMISSION
from core import clock
from core.errors import PermissionDeniedError
from core.services import ADMIN

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


# --- Sign-in throttling -------------------------------------------------------------------------


def signin_lockout_clear(*, attempt_id: int, actor: AbstractBaseUser | None) -> int:
    """Unlock the account and the address of one recorded failure (django-axes' rows for either
    are deleted, as `manage.py axes_reset_username` / `axes_reset_ip` do). Returns how many rows
    went; 0 when it was unlocked already. Raises PermissionDeniedError for someone who may not."""
    if actor is not None and not actor.has_perm(UNLOCK_PERMISSION):
        raise PermissionDeniedError("You do not have permission to unlock sign-ins.")
    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return 0
    with transaction.atomic():
        deleted, _ = AccessAttempt.objects.filter(
            Q(username=attempt.username) | Q(ip_address=attempt.ip_address)
        ).delete()
    return deleted


def attempt_failure_record(*, scope: str, key: str) -> int:
    """Count one failed attempt of `scope` (e.g. "slack-link") by `key` (who tried); returns the
    count within the lockout period. Kept in the cache: these attempts have no request or
    address for django-axes to record (a Slack command arrives from Slack's servers)."""
    cache_key = _attempts_key(scope, key)
    cache.add(cache_key, 0, timeout=settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES * 60)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES * 60)
        return 1


def attempts_exhausted(*, scope: str, key: str) -> bool:
    """True when `key` has failed FIREBELL_SIGNIN_FAILURE_LIMIT times in the lockout period."""
    return (cache.get(_attempts_key(scope, key)) or 0) >= settings.FIREBELL_SIGNIN_FAILURE_LIMIT


def _attempts_key(scope: str, key: str) -> str:
    return f"firebell:attempts:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def accounts_defaults_seed() -> None:
    """Admins unlock sign-ins and see the audit log; no other group gets these permissions.
    Idempotent (registered with core.services.defaults_register)."""
    admins = Group.objects.filter(name=ADMIN).first()
    if admins is not None:
        admins.permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["axes", "accounts"])
        )
