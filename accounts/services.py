"""Every write about accounts: API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TOKEN_PREFIX_LENGTH, ApiToken, UserSession, api_token_hash
from accounts.selectors import (
    RECOVERY_DEVICE,
    UNLOCK_PERMISSION,
    mfa_enabled,
    mfa_pending_device,
    mfa_required,
)
from accounts.signin import client_ip
from core import clock
from core.errors import PermissionDeniedError, ValidationError
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
        username = attempt.username or ""
        signin_event_record(
            event="unlocked",
            user=get_user_model().objects.filter(username=username).first() if username else None,
            username=username or attempt.ip_address or "",
            ip_address=attempt.ip_address,
            actor=actor,
        )
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
            *Permission.objects.filter(content_type__app_label__in=["axes", "accounts", "auditlog"])
        )


# --- Browser sessions and sign-in events --------------------------------------------------------

SIGNED_IN_AT = "firebell_signed_in_at"  # session keys: epoch seconds
SEEN_AT = "firebell_seen_at"
END_SESSIONS_PERMISSION = "accounts.delete_usersession"


def signin_event_record(
    *,
    event: str,
    user: AbstractBaseUser | None,
    username: str,
    ip_address: str | None,
    actor: AbstractBaseUser | None = None,
) -> LogEntry:
    """Write a sign-in event (`signed_in`, `signed_out`, `sign_in_failed`,
    `signed_out_everywhere`, `unlocked`) to the audit log, against the account (or just its name
    when no account has it). The actor is `actor`, else the account itself (not for a failure:
    whoever failed is not known to be its owner)."""
    user_type = ContentType.objects.get_for_model(get_user_model())
    return LogEntry.objects.create(
        content_type=user_type,
        object_pk=str(user.pk) if user is not None else "",
        object_id=user.pk if user is not None else None,
        object_repr=username[:200],
        action=LogEntry.Action.ACCESS,
        changes_text=event,
        additional_data={"event": event},
        actor=actor or (user if event != "sign_in_failed" else None),
        remote_addr=ip_address or None,
    )


def session_signed_in(*, user: AbstractBaseUser, request: HttpRequest) -> UserSession:
    """Remember the new session of `user` (for their sessions list and "sign out everywhere"),
    start its clocks, and log the sign-in. Called on django.contrib.auth's user_logged_in."""
    now = clock.now()
    request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = int(now.timestamp())
    if request.session.session_key is None:
        request.session.save()
    ip_address = client_ip(request) or None
    with transaction.atomic():
        session, _ = UserSession.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={
                "user": user,
                "signed_in_at": now,
                "ip_address": ip_address,
                "user_agent": request.headers.get("User-Agent", "")[:300],
            },
        )
        signin_event_record(
            event="signed_in", user=user, username=user.get_username(), ip_address=ip_address
        )
    return session


def session_signed_out(*, user: AbstractBaseUser | None, request: HttpRequest) -> None:
    """Forget the session being signed out of and log it (user_logged_out)."""
    key = request.session.session_key
    with transaction.atomic():
        if key:
            UserSession.objects.filter(session_key=key).delete()
        if user is not None:
            signin_event_record(
                event="signed_out",
                user=user,
                username=user.get_username(),
                ip_address=client_ip(request) or None,
            )


def sessions_end_all(*, user: AbstractBaseUser, actor: AbstractBaseUser) -> int:
    """Sign `user` out of every browser session ("sign out everywhere"), whoever asks: the person
    themself or someone holding accounts.delete_usersession (admins). API tokens are not
    touched (rotate those separately). Returns how many sessions ended."""
    if actor.pk != user.pk and not actor.has_perm(END_SESSIONS_PERMISSION):
        raise PermissionDeniedError("You may only sign yourself out everywhere.")
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    with transaction.atomic():
        UserSession.objects.filter(user=user).delete()
        signin_event_record(
            event="signed_out_everywhere",
            user=user,
            username=user.get_username(),
            ip_address=None,
            actor=actor,
        )
    return len(keys)


# --- Audit log retention ------------------------------------------------------------------------

PRUNE_BATCH = 5000


def audit_log_prune(*, now: datetime) -> int:
    """Delete audit entries older than FIREBELL_AUDIT_RETENTION_DAYS, in batches (no long lock
    on a large table). Idempotent; returns how many went."""
    cutoff = now - timedelta(days=settings.FIREBELL_AUDIT_RETENTION_DAYS)
    deleted_total = 0
    while True:
        batch = list(
            LogEntry.objects.filter(timestamp__lt=cutoff).values_list("pk", flat=True)[:PRUNE_BATCH]
        )
        if not batch:
            return deleted_total
        deleted, _ = LogEntry.objects.filter(pk__in=batch).delete()
        deleted_total += deleted


# --- Two-factor sign-in (django-otp) ------------------------------------------------------------

RECOVERY_CODE_COUNT = 10


def mfa_enrolment_start(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator `user` is setting up: the one in progress, or a new one.
    Nothing changes for sign-in until it is confirmed with a code."""
    device = mfa_pending_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def mfa_enrolment_confirm(*, user: AbstractBaseUser, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code from it; from then on sign-in asks
    for a code. Replaces any earlier authenticator and gives new recovery codes (returned: show
    them once). Raises ValidationError for a wrong code. One transaction."""
    device = mfa_pending_device(user)
    if device is None:
        raise ValidationError("Start setting up two-factor sign-in first.")
    if not device.verify_token(_digits(token)):
        raise ValidationError(
            "That code is not right: type the 6 digits your app shows now.",
            errors={"token": ["Wrong code."]},
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        signin_event_record(
            event="mfa_enabled", user=user, username=user.get_username(), ip_address=None
        )
    return device, codes


def mfa_recovery_codes_regenerate(user: AbstractBaseUser) -> list[str]:
    """New recovery codes (the old ones stop working); for someone with an authenticator."""
    if not mfa_enabled(user):
        raise ValidationError("Set up an authenticator app first.")
    with transaction.atomic():
        return _recovery_codes_replace(user)


def mfa_disable(*, user: AbstractBaseUser, actor: AbstractBaseUser) -> None:
    """Remove `user`'s authenticator and recovery codes. Refused when two-factor sign-in is
    required for them and they ask themselves (an admin can reset someone who lost their phone:
    they then set it up again at their next sign-in)."""
    if actor.pk == user.pk and mfa_required(user):
        raise PermissionDeniedError("Two-factor sign-in is required for administrators.")
    if actor.pk != user.pk and not actor.has_perm(END_SESSIONS_PERMISSION):
        raise PermissionDeniedError("You may only turn off your own two-factor sign-in.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        signin_event_record(
            event="mfa_disabled",
            user=user,
            username=user.get_username(),
            ip_address=None,
            actor=actor,
        )


def mfa_verify(*, user: AbstractBaseUser, token: str) -> Device | None:
    """The device that accepts `token` (an authenticator code or an unused recovery code, which
    is then used up), or None. django-otp's own throttling applies per device."""
    token = token.strip().replace(" ", "").lower()
    if not token or len(token) > 16:
        return None
    return match_token(user, token)


def _digits(token: str) -> str:
    return "".join(character for character in token if character.isdigit())


def _recovery_codes_replace(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
