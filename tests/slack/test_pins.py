""":pushpin: on a message in an incident's channel adds it to the timeline, with author and link."""

from __future__ import annotations

import pytest

from incidents.models import TimelineEvent
from integrations.slack.models import SlackPin
from tests.slack.conftest import RITA, RON, STRANGER, VICTOR
from tests.slack.helpers import declare, link, with_channel


@pytest.fixture
def rita(slack, responder):
    link(RITA, responder)
    return responder


def reaction(user=RITA, channel="C0INC", ts="1700000100.000200", event_id="Ev1", name="pushpin"):
    return {
        "type": "event_callback",
        "event_id": event_id,
        "event": {
            "type": "reaction_added",
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
        },
    }


def test_a_pinned_message_is_added_to_the_timeline_with_author_and_link(
    slack, rita, other_responder
):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    slack.workspace.add_message("C0INC", "1700000100.000200", "p99 back under 200ms", RON)

    slack.event(reaction())

    [history] = slack.workspace.take("conversations.history")
    assert history["latest"] == "1700000100.000200"
    slack.workspace.take("chat.getPermalink")
    slack.workspace.take("users.info")  # ron, the author
    pinned = TimelineEvent.objects.get(kind="slack.message_pinned")
    assert (pinned.actor, pinned.source) == (rita, "slack")
    assert pinned.message == "ron-responder: p99 back under 200ms"
    assert pinned.data["author"] == "ron-responder"
    assert pinned.data["permalink"] == (
        "https://example.slack.com/archives/C0INC/p1700000100000200"
    )


def test_pinning_the_same_message_twice_adds_it_once(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    slack.workspace.add_message("C0INC", "1700000100.000200", "root cause found", RITA)

    slack.event(reaction(event_id="Ev1"))
    slack.event(reaction(event_id="Ev2", user=RITA))

    assert SlackPin.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="slack.message_pinned").count() == 1
    slack.workspace.take("")


def test_a_thread_reply_is_found_with_conversations_replies(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    slack.workspace.add_message("C0INC", "1700000100.000200", "in a thread", RITA)
    slack.workspace.messages_in_history_hidden = True

    slack.event(reaction())

    assert TimelineEvent.objects.filter(kind="slack.message_pinned").exists()
    assert slack.workspace.take("conversations.replies")
    slack.workspace.take("")


def test_other_reactions_and_other_channels_are_ignored(slack, rita):
    declare(rita)

    slack.event(reaction(name="eyes", event_id="Ev1"))
    slack.event(reaction(channel="C0RANDOM", event_id="Ev2"))

    assert not TimelineEvent.objects.filter(kind="slack.message_pinned").exists()


def test_a_viewer_pinning_is_told_they_may_not(slack, rita, viewer):
    incident = declare(rita)
    with_channel(incident, "C0INC")

    slack.event(reaction(user=VICTOR))

    slack.workspace.take("users.info")
    [ephemeral] = slack.workspace.take("chat.postEphemeral")
    assert ephemeral["user"] == VICTOR
    assert "permission" in ephemeral["text"]
    assert not SlackPin.objects.exists()


def test_an_unknown_pinner_is_told_how_to_link(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")

    slack.event(reaction(user=STRANGER))

    slack.workspace.take("users.info")
    [ephemeral] = slack.workspace.take("chat.postEphemeral")
    assert "I don't know who you are in Firebell" in ephemeral["text"]
