"""Notification rules: how each person is reached, with defaults for people who set none."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from oncall.models import NotificationRule, Urgency


def default_rules() -> list[tuple[str, str, int]]:
    """(urgency, channel, delay in minutes) for someone without rules.

    High urgency: a Slack DM at once and e-mail after a minute when Slack is configured, else
    e-mail at once; low urgency: e-mail at once. SMS needs a number, so it is never a default.
    """
    configured = getattr(settings, "FIREBELL_DEFAULT_NOTIFICATION_RULES", None)
    if configured:
        return [tuple(rule) for rule in configured]
    if getattr(settings, "SLACK_BOT_TOKEN", ""):
        return [(Urgency.HIGH, "slack", 0), (Urgency.HIGH, "email", 1), (Urgency.LOW, "email", 0)]
    return [(Urgency.HIGH, "email", 0), (Urgency.LOW, "email", 0)]


def notification_rules_ensure_defaults(user: AbstractBaseUser) -> None:
    """Give `user` the default rules if they have none at all. Idempotent."""
    with transaction.atomic():
        if NotificationRule.objects.filter(user=user).exists():
            return
        NotificationRule.objects.bulk_create(
            NotificationRule(
                user=user, urgency=urgency, channel=channel, delay=timedelta(minutes=m)
            )
            for urgency, channel, m in default_rules()
        )


def notification_rules_for(user: AbstractBaseUser, urgency: str) -> list[NotificationRule]:
    """`user`'s rules for `urgency`, in order; creates the defaults for a new user."""
    notification_rules_ensure_defaults(user)
    return list(NotificationRule.objects.filter(user=user, urgency=urgency).order_by("delay", "id"))
