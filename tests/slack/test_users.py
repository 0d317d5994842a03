"""Slack user ↔ Firebell user: by e-mail (looked up once, then cached as a link) or linked
explicitly through a signed link the unknown user is given."""

from __future__ import annotations

import re
import uuid

from integrations.slack import users
from integrations.slack.models import SlackUserLink
from tests.factories import UserFactory
from tests.slack.conftest import RITA, STRANGER


def test_a_slack_user_is_found_by_email_once_and_then_cached(slack, responder):
    assert users.firebell_user(RITA) == responder
    assert users.firebell_user(RITA) == responder

    [info] = slack.workspace.take("users.info")
    assert info == {"user": RITA}
    link = SlackUserLink.objects.get()
    assert (link.user, link.source) == (responder, "email")


def test_email_matching_ignores_case(slack, defaults):
    shouty = UserFactory(username="shouty", email="Rita-Responder@Example.COM")

    assert users.firebell_user(RITA) == shouty
    slack.workspace.take("users.info")


def test_two_accounts_with_the_same_email_match_neither(slack, defaults):
    UserFactory(username="a", email="rita-responder@example.com")
    UserFactory(username="b", email="RITA-responder@example.com")

    assert users.firebell_user(RITA) is None
    slack.workspace.take("users.info")


def test_an_inactive_user_is_not_matched(slack, responder):
    responder.is_active = False
    responder.save()

    assert users.firebell_user(RITA) is None
    slack.workspace.take("users.info")


def test_the_slack_id_of_a_firebell_user_is_found_with_lookup_by_email_and_cached(slack, responder):
    assert users.slack_user_id(responder) == RITA
    assert users.slack_user_id(responder) == RITA

    [lookup] = slack.workspace.take("users.lookupByEmail")
    assert lookup == {"email": "rita-responder@example.com"}


def test_no_slack_account_for_the_email_gives_no_id(slack, defaults):
    nobody = UserFactory(username="nobody", email="nobody@example.com")

    assert users.slack_user_id(nobody) == ""
    slack.workspace.take("users.lookupByEmail")


def test_an_unknown_slack_user_links_with_a_code_from_firebell(slack, responder):
    slack.command("list", user=STRANGER)
    slack.workspace.take("users.info")
    text = slack.reply()["text"]
    assert "<https://firebell.example.com/slack/link/>" in text
    assert "`/incident link <code>`" in text

    assert slack.client.get("/slack/link/").status_code == 302  # sign in first
    slack.client.force_login(responder)
    page = slack.client.get("/slack/link/").content.decode()
    code = re.search(r"/incident link (\S+)</code>", page).group(1)

    slack.command(f"link {code}", user=STRANGER)

    assert slack.reply()["text"] == "Linked: in Firebell you are rita-responder."
    link = SlackUserLink.objects.get(slack_user_id=STRANGER)
    assert (link.user, link.source) == (responder, "manual")
    assert users.firebell_user(STRANGER) == responder  # no lookup any more
    assert "is linked to Slack user <code>U0NOBODY</code>" in (
        slack.client.get("/slack/link/").content.decode()
    )


def test_a_tampered_or_expired_code_is_refused(slack, responder):
    import time
    from unittest import mock

    code = users.link_code(responder)
    slack.command(f"link {code}x", user=STRANGER)
    assert "not valid or has expired" in slack.reply()["text"]

    # Django's signing reads time.time(): make the code eleven minutes old.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 11 * 60):
        old_code = users.link_code(responder)
    slack.command(f"link {old_code}", user=STRANGER)
    assert "not valid or has expired" in slack.reply()["text"]
    assert not SlackUserLink.objects.exists()


def test_linking_again_replaces_the_earlier_link(slack, responder, other_responder):
    users.link_create(slack_user_id=STRANGER, user=responder)
    users.link_create(slack_user_id=STRANGER, user=other_responder)
    users.link_create(slack_user_id="U0OTHER", user=other_responder)

    assert list(SlackUserLink.objects.values_list("slack_user_id", "user__username")) == [
        ("U0OTHER", "ron-responder")
    ]


def test_page_notifications_use_the_same_cached_mapping(slack, responder):
    from integrations.slack.models import SlackUserLink as Link

    Link.objects.create(slack_user_id="U0CACHED", user=responder, source="manual")

    assert users.slack_user_id(responder) == "U0CACHED"  # no lookup: the link wins


def test_wrong_link_codes_are_limited_per_slack_user(slack, responder):
    # Counted in the shared cache for 15 minutes: a fresh Slack user id each run.
    guesser = f"U0G{uuid.uuid4().hex[:8].upper()}"
    for attempt in range(5):
        slack.command(f"link wrong-{attempt}", user=guesser)
        assert "not valid or has expired" in slack.reply()["text"]
    slack.command(f"link {users.link_code(responder)}", user=guesser)
    assert "Too many wrong link codes" in slack.reply()["text"]
    assert not SlackUserLink.objects.filter(slack_user_id=guesser).exists()
