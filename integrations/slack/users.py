"""Slack user ↔ Firebell user. An explicit link wins; otherwise the e-mail addresses must match
(users.info one way, users.lookupByEmail the other) and the match is remembered as a link.
People link explicitly with a code from Firebell typed in Slack (`link_code`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.urls import reverse

from core import clock
from core.errors import ValidationError
from integrations.slack import client
from integrations.slack.models import LinkSource, SlackUserLink

LINK_SALT = "firebell.slack.link"
LINK_MAX_AGE_SECONDS = 10 * 60
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


def link_code(user: AbstractBaseUser) -> str:
    """A code, shown only to `user` signed in to Firebell, that they type in Slack
    (`/incident link <code>`) to link the Slack user who types it. Valid for 10 minutes.

    This direction matters: Slack vouches for who types the command and the code for who they
    are in Firebell, so nobody can be tricked into linking someone else's Slack account."""
    return signing.dumps({"user": user.pk}, salt=LINK_SALT, compress=True)


def link_code_user(code: str) -> AbstractBaseUser:
    """The active user a link code was made for; raises ValidationError when it is not valid."""
    try:
        data = signing.loads(code.strip(), salt=LINK_SALT, max_age=LINK_MAX_AGE_SECONDS)
        user = get_user_model().objects.get(pk=int(data["user"]), is_active=True)
    except (signing.BadSignature, KeyError, TypeError, ValueError, ObjectDoesNotExist):
        raise ValidationError(
            "That link code is not valid or has expired; get a new one in Firebell."
        ) from None
    return user


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
        f"address. Sign in to Firebell at <{link_page_url()}>, copy the code shown there and "
        f"type `{settings.SLACK_COMMAND} link <code>` here — or ask an admin to set your e-mail "
        "address in Firebell."
    )


def link_page_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('slack:link')}"
