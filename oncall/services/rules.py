"""Notification rules: how each person is reached, with defaults for people who set none."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from core.errors import PermissionDeniedError, ValidationError
from oncall.models import NotificationRule, Urgency


def default_rules() -> list[tuple[str, str, int]]:
    """(urgency, channel, delay in minutes) for someone without rules.

    Both urgencies: the Firebell inbox at once (when the `inbox` channel is installed: it needs
    no set-up, so a fresh install reaches people). High urgency: also a Slack DM at once and
    e-mail after a minute when Slack is configured, else e-mail at once; low urgency: e-mail at
    once. SMS needs a number, so it is never a default.
    """
    configured = getattr(settings, "FIREBELL_DEFAULT_NOTIFICATION_RULES", None)
    if configured:
        return [tuple(rule) for rule in configured]
    channels = getattr(settings, "FIREBELL_NOTIFICATION_CHANNELS", {})
    inbox = [(Urgency.HIGH, "inbox", 0), (Urgency.LOW, "inbox", 0)] if "inbox" in channels else []
    if getattr(settings, "SLACK_BOT_TOKEN", ""):
        return [
            *inbox,
            (Urgency.HIGH, "slack", 0),
            (Urgency.HIGH, "email", 1),
            (Urgency.LOW, "email", 0),
        ]
    return [*inbox, (Urgency.HIGH, "email", 0), (Urgency.LOW, "email", 0)]


def notification_rules_ensure_defaults(user: AbstractBaseUser) -> None:
    """Give `user` the default rules if they have none at all. Idempotent.

    Someone without an e-mail address (the first admin of a fresh install) gets no e-mail rule
    by default: it could only fail. They keep the others (the inbox).
    """
    with transaction.atomic():
        if NotificationRule.objects.filter(user=user).exists():
            return
        has_email = bool(getattr(user, "email", ""))
        NotificationRule.objects.bulk_create(
            NotificationRule(
                user=user, urgency=urgency, channel=channel, delay=timedelta(minutes=m)
            )
            for urgency, channel, m in default_rules()
            if channel != "email" or has_email
        )


def notification_rules_for(user: AbstractBaseUser, urgency: str) -> list[NotificationRule]:
    """`user`'s rules for `urgency`, in order; creates the defaults for a new user."""
    notification_rules_ensure_defaults(user)
    return list(NotificationRule.objects.filter(user=user, urgency=urgency).order_by("delay", "id"))


# --- editing by the person (or an admin) -------------------------------------------------------

ADDRESS_REQUIRED = {"sms", "voice"}
MAX_RULE_DELAY_MINUTES = 24 * 60


def _require_own(user: AbstractBaseUser, actor: AbstractBaseUser | None) -> None:
    if actor is None or actor.pk == user.pk:
        return
    if not actor.has_perm("oncall.change_notificationrule"):
        raise PermissionDeniedError("You may only change your own notification rules.")


def _clean_rule(urgency: str, channel: str, delay_minutes: int, address: str) -> str:
    if urgency not in Urgency.values:
        raise ValidationError("Choose high or low urgency.", errors={"urgency": ["Invalid."]})
    if channel not in getattr(settings, "FIREBELL_NOTIFICATION_CHANNELS", {}):
        raise ValidationError(f"There is no channel {channel!r}.", errors={"channel": ["Invalid."]})
    if not 0 <= delay_minutes <= MAX_RULE_DELAY_MINUTES:
        raise ValidationError(
            "The delay must be between 0 and 1440 minutes.", errors={"delay": ["Out of range."]}
        )
    address = address.strip()
    if channel in ADDRESS_REQUIRED and not address:
        raise ValidationError(
            f"{channel.upper()} needs a phone number.", errors={"address": ["Required."]}
        )
    if channel == "email" and address:
        try:
            validate_email(address)
        except DjangoValidationError as error:
            raise ValidationError(
                f"{address} is not an e-mail address.", errors={"address": ["Invalid."]}
            ) from error
    return address


def notification_rule_create(
    *,
    user: AbstractBaseUser,
    urgency: str,
    channel: str,
    delay_minutes: int,
    address: str = "",
    actor: AbstractBaseUser | None,
) -> NotificationRule:
    """Add a rule: reach `user` for `urgency` pages by `channel`, `delay_minutes` after paging."""
    _require_own(user, actor)
    address = _clean_rule(urgency, channel, delay_minutes, address)
    return NotificationRule.objects.create(
        user=user,
        urgency=urgency,
        channel=channel,
        delay=timedelta(minutes=delay_minutes),
        address=address,
    )


def notification_rule_update(
    *,
    rule: NotificationRule,
    urgency: str,
    channel: str,
    delay_minutes: int,
    address: str = "",
    actor: AbstractBaseUser | None,
) -> NotificationRule:
    """Change a rule. Pages already created keep the channel and address they were made with."""
    _require_own(rule.user, actor)
    rule.address = _clean_rule(urgency, channel, delay_minutes, address)
    rule.urgency, rule.channel = urgency, channel
    rule.delay = timedelta(minutes=delay_minutes)
    rule.save(update_fields=["urgency", "channel", "delay", "address"])
    return rule


def notification_rule_delete(*, rule: NotificationRule, actor: AbstractBaseUser | None) -> None:
    """Remove a rule. Someone left with no rules at all gets the defaults at their next page."""
    _require_own(rule.user, actor)
    rule.delete()


def notification_rules_restore_defaults(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None
) -> list[NotificationRule]:
    """Replace every rule of `user` by the defaults."""
    _require_own(user, actor)
    with transaction.atomic():
        NotificationRule.objects.filter(user=user).delete()
        notification_rules_ensure_defaults(user)
    return list(NotificationRule.objects.filter(user=user))
