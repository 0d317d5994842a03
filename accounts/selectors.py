"""Reads about accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, UserSession, api_token_hash


def api_token_get_by_key(key: str) -> ApiToken | None:
    """The token whose key is `key`, with its user, or None. Looked up by hash: the key itself is
    never stored. An inactive user's token is returned too; the caller decides what that means."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()


def api_token_of(user: AbstractBaseUser) -> ApiToken | None:
    return ApiToken.objects.filter(user=user).first()


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


# --- Audit log ----------------------------------------------------------------------------------

AUDIT_PERMISSION = "auditlog.view_logentry"
AUDIT_PAGE_SIZE = 50
ACTION_NAMES = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "changed",
    LogEntry.Action.DELETE: "deleted",
    LogEntry.Action.ACCESS: "sign-in",
}


def user_can_view_audit(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(AUDIT_PERMISSION))


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # username, exact
    kind: str = ""  # "app_label.model"
    action: int | None = None
    text: str = ""  # in what changed (object name)
    since: datetime | None = None
    until: datetime | None = None


def audit_kinds() -> list[tuple[str, str]]:
    """("app_label.model", "Verbose name") of every model with audit entries, by name."""
    kinds = ContentType.objects.filter(pk__in=LogEntry.objects.values("content_type_id").distinct())
    return sorted(
        ((f"{kind.app_label}.{kind.model}", str(kind.name).capitalize()) for kind in kinds),
        key=lambda pair: pair[1],
    )


def audit_entries(filters: AuditFilters) -> QuerySet[LogEntry]:
    """Audit entries matching `filters`, newest first, with actor and kind loaded."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if filters.actor:
        entries = entries.filter(actor__username=filters.actor)
    if filters.kind:
        app_label, _, model = filters.kind.partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.action is not None:
        entries = entries.filter(action=filters.action)
    if filters.text:
        entries = entries.filter(object_repr__icontains=filters.text)
    if filters.since is not None:
        entries = entries.filter(timestamp__gte=filters.since)
    if filters.until is not None:
        entries = entries.filter(timestamp__lt=filters.until)
    return entries


# --- Browser sessions ---------------------------------------------------------------------------


def user_sessions(user: AbstractBaseUser) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-signed_in_at")


def users_with_sessions() -> QuerySet:
    """People signed in somewhere, with how many sessions and the latest sign-in."""
    return (
        get_user_model()
        .objects.filter(browser_sessions__isnull=False)
        .annotate(
            session_count=Count("browser_sessions"), latest=Max("browser_sessions__signed_in_at")
        )
        .order_by("-latest")
    )


# --- Two-factor sign-in (django-otp) ------------------------------------------------------------


def user_is_admin(user: AbstractBaseUser) -> bool:
    """Who counts as an administrator for FIREBELL_MFA_REQUIRED_FOR_ADMINS: superusers, staff
    (the Django admin) and members of the Admin group."""
    if not (user and user.is_authenticated):
        return False
    return bool(user.is_superuser or user.is_staff) or user.groups.filter(name="Admin").exists()


def mfa_enabled(user: AbstractBaseUser) -> bool:
    """Has a confirmed authenticator app (recovery codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_required(user: AbstractBaseUser) -> bool:
    return settings.FIREBELL_MFA_REQUIRED_FOR_ADMINS and user_is_admin(user)


def mfa_recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count()


def mfa_pending_device(user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


RECOVERY_DEVICE = "recovery codes"
