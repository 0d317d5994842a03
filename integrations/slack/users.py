"""Slack user ↔ Firebell user. An explicit link wins; otherwise the e-mail addresses must match
(users.info one way, users.lookupByEmail the other) and the match is remembered as a link."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from core import clock
from integrations.slack import client
from integrations.slack.models import LinkSource, SlackUserLink

LINK_SALT = "firebell.slack.link"
LINK_MAX_AGE_SECONDS = 24 * 3600
NOT_FOUND_ERRORS = {"users_not_found", "user_not_found"}


def _remember(slack_user_id: str, user: AbstractBaseUser, source: str) -> None:
    """Store the link; a concurrent or older link for either side is left as it is."""
    try:
        with transaction.atomic():
            SlackUserLink.objects.create(
                slack_user_id=slack_user_id, user=user, source=source, created_at=clock.now()
            )
    except IntegrityError:
        pass


def firebell_user(slack_user_id: str) -> AbstractBaseUser | None:
    """The active Firebell user behind a Slack user, or None. May call users.info (SlackFailure
    on a Slack error other than "no such user")."""
    if not slack_user_id:
        return None
    link = SlackUserLink.objects.select_related("user").filter(slack_user_id=slack_user_id).first()
    if link is not None:
        return link.user if link.user.is_active else None
    try:
        profile = client.api("users.info", user=slack_user_id).get("user") or {}
    except client.SlackFailure as failure:
        if failure.error in NOT_FOUND_ERRORS:
            return None
        raise
    email = ((profile.get("profile") or {}).get("email") or "").strip()
    if not email:
        return None
    matches = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    if len(matches) != 1:
        return None
    _remember(slack_user_id, matches[0], LinkSource.EMAIL)
    return matches[0]


def slack_user_id(user: AbstractBaseUser | None) -> str:
    """The Slack id of a Firebell user ("" if none is found). May call users.lookupByEmail."""
    if user is None:
        return ""
    link = SlackUserLink.objects.filter(user=user).first()
    if link is not None:
        return link.slack_user_id
    if not user.email:
        return ""
    try:
        found = client.api("users.lookupByEmail", email=user.email).get("user") or {}
    except client.SlackFailure as failure:
        if failure.error in NOT_FOUND_ERRORS:
            return ""
        raise
    if found.get("id"):
        _remember(found["id"], user, LinkSource.EMAIL)
    return found.get("id", "")


def link_url(slack_user_id: str) -> str:
    """A link the Slack user opens, signed in to Firebell, to say "this Slack user is me"."""
    token = signing.dumps({"slack_user_id": slack_user_id}, salt=LINK_SALT)
    return f"{settings.PUBLIC_BASE_URL}{reverse('slack:link', args=[token])}"


def link_token_read(token: str) -> str:
    """The Slack user id in a link token; raises signing.BadSignature when invalid or old."""
    data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE_SECONDS)
    return str(data["slack_user_id"])


def link_create(*, slack_user_id: str, user: AbstractBaseUser) -> SlackUserLink:
    """Link this Slack user to `user`, replacing any earlier link of either. Idempotent."""
    with transaction.atomic():
        SlackUserLink.objects.filter(slack_user_id=slack_user_id).exclude(user=user).delete()
        link, _ = SlackUserLink.objects.update_or_create(
            user=user,
            defaults={
                "slack_user_id": slack_user_id,
                "source": LinkSource.MANUAL,
                "created_at": clock.now(),
            },
        )
    return link


def unknown_user_text(slack_user_id: str) -> str:
    return (
        "I don't know who you are in Firebell: no Firebell account has your Slack e-mail "
        f"address. Sign in to Firebell and open <{link_url(slack_user_id)}|this link> to link "
        "your Slack account (valid for 24 hours), or ask an admin to set your e-mail address."
    )
