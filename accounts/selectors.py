"""Reads about accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from accounts.models import ApiToken, api_token_hash


def api_token_get_by_key(key: str) -> ApiToken | None:
    """The token whose key is `key`, with its user, or None. Looked up by hash: the key itself is
    never stored. An inactive user's token is returned too; the caller decides what that means."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()


# --- Sign-in throttling -------------------------------------------------------------------------

UNLOCK_PERMISSION = "axes.delete_accessattempt"


def user_can_manage_security(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(UNLOCK_PERMISSION))


@dataclass(frozen=True)
class SigninFailureRow:
    id: int
    username: str
    ip_address: str
    failures: int
    last_attempt_at: datetime
    locked: bool


def signin_failures_recent(*, now: datetime) -> list[SigninFailureRow]:
    """Accounts and addresses with failed sign-ins still counted (within the lockout period),
    most recent first, marking those that are locked out now."""
    since = now - timedelta(minutes=settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES)
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    return [
        SigninFailureRow(
            id=attempt.pk,
            username=attempt.username or "",
            ip_address=attempt.ip_address or "",
            failures=attempt.failures_since_start,
            last_attempt_at=attempt.attempt_time,
            locked=attempt.failures_since_start >= settings.FIREBELL_SIGNIN_FAILURE_LIMIT,
        )
        for attempt in attempts[:500]
    ]
