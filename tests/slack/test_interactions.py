"""Buttons and modals: each acts as the Slack user who clicked, through the same services, and
the message is replaced in place (chat.update) to show who did what."""

from __future__ import annotations

import json

import pytest

from core import clock
from incidents.models import Incident, StakeholderUpdate
from integrations.slack.models import SlackMessage
from tests.oncall.conftest import declare as declare_with_policy
from tests.oncall.conftest import person, policy_of
from tests.slack.conftest import RITA, STRANGER, VICTOR
from tests.slack.helpers import declare, link


@pytest.fixture
def rita(slack, responder):
    link(RITA, responder)
    return responder


def _card_text(update: dict) -> str:
    return json.dumps(update["blocks"])


def test_acknowledge_button_acknowledges_and_updates_the_message_in_place(slack, rita):
    incident = declare(rita)

    response = slack.click("incident_acknowledge", incident, channel="D0RITA", ts="111.222")

    assert response.status_code == 200
    assert Incident.objects.get().acknowledged_by == rita
    [update] = slack.workspace.take("chat.update")
    assert (update["channel"], update["ts"]) == ("D0RITA", "111.222")
    assert f"Acknowledged by <@{RITA}>" in _card_text(update)
    actions = [e["action_id"] for e in update["blocks"][-1]["elements"]]
    assert actions == ["incident_resolve", "incident_open"]  # what still applies
    assert SlackMessage.objects.get().kind == "notification"


def test_a_later_status_change_anywhere_updates_the_clicked_message_too(slack, rita):
    from incidents import services

    incident = declare(rita)
    slack.click("incident_acknowledge", incident, channel="D0RITA", ts="111.222")
    slack.workspace.take("chat.update")

    with slack.capture(execute=True):
        services.incident_resolve(incident=incident, actor=rita, source="web")

    [update] = slack.workspace.take("chat.update")
    assert (update["channel"], update["ts"]) == ("D0RITA", "111.222")
    assert "Resolved by" in _card_text(update)


def test_resolve_button_resolves(slack, rita):
    incident = declare(rita)

    slack.click("incident_resolve", incident)

    assert Incident.objects.get().status == "resolved"
    [update] = slack.workspace.take("chat.update")
    assert "Resolved by" in _card_text(update)


def test_escalate_button_pages_the_next_level_now(slack, rita, defaults):
    first, second = person("first-level"), person("second-level")
    policy = policy_of("Two levels", (5, [first]), (5, [second]))
    incident = declare_with_policy(policy, rank=3, at=clock.now())
    slack.standins.emails_to(first)

    slack.click("incident_escalate", incident)

    assert incident.timeline.filter(kind="escalation.escalated_manually").exists()
    assert slack.standins.emails_to(second)
    [update] = slack.workspace.take("chat.update")
    assert f"Escalated by <@{RITA}>" in _card_text(update)


def test_a_refused_click_is_explained_only_to_the_clicker(slack, rita):
    incident = declare(rita)
    slack.click("incident_resolve", incident)
    slack.workspace.take("chat.update")

    slack.click("incident_acknowledge", incident)

    reply = slack.reply()
    assert reply["response_type"] == "ephemeral"
    assert reply["replace_original"] is False
    assert "Incident #1 is resolved; it cannot be acknowledged from there." in reply["text"]


def test_a_viewer_click_is_refused(slack, rita, viewer):
    incident = declare(rita)

    slack.click("incident_acknowledge", incident, user=VICTOR)

    slack.workspace.take("users.info")
    assert "permission" in slack.reply()["text"]
    assert Incident.objects.get().status == "triggered"


def test_an_unknown_clicker_is_told_how_to_link(slack, rita):
    incident = declare(rita)

    slack.click("incident_acknowledge", incident, user=STRANGER)

    slack.workspace.take("users.info")
    assert "I don't know who you are in Firebell" in slack.reply()["text"]


def test_open_in_firebell_is_a_link_and_does_nothing(slack, rita):
    incident = declare(rita)

    slack.click("incident_open", incident)

    assert Incident.objects.get().status == "triggered"


def test_a_button_for_an_incident_that_does_not_exist_is_refused(slack, rita):
    slack.interact(
        {
            "type": "block_actions",
            "user": {"id": RITA},
            "response_url": slack.workspace.response_url,
            "actions": [{"action_id": "incident_acknowledge", "value": "not-a-number"}],
        }
    )

    assert slack.reply()["text"] == ":warning: Incident #0 does not exist."


def _submission(callback_id: str, values: dict, metadata: dict) -> dict:
    state = {}
    for block_id, value in values.items():
        if isinstance(value, list):
            element = {
                "type": "checkboxes",
                "selected_options": [{"value": v} for v in value],
            }
        elif block_id in {"severity", "service"}:
            element = {"type": "static_select", "selected_option": {"value": value}}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[block_id] = {"value": element}
    return {
        "type": "view_submission",
        "user": {"id": RITA},
        "view": {
            "callback_id": callback_id,
            "private_metadata": json.dumps(metadata),
            "state": {"values": state},
        },
    }


def test_the_declare_modal_declares_with_severity_service_summary_and_channel(slack, rita):
    from tests.factories import ServiceFactory

    ServiceFactory(slug="payments", name="Payments")
    values = {
        "title": "Card payments failing",
        "severity": "4",
        "service": "payments",
        "summary": "Stripe returns 500",
        "channel": ["yes"],
    }

    response = slack.interact(_submission("incident_declare", values, {"channel_id": "C0GENERAL"}))

    assert response.status_code == 200
    assert response.content == b""  # the modal closes
    incident = Incident.objects.get()
    assert (incident.title, incident.severity.rank, incident.summary) == (
        "Card payments failing",
        4,
        "Stripe returns 500",
    )
    assert [s.slug for s in incident.services.all()] == ["payments"]
    [create] = slack.workspace.take("conversations.create")
    assert create["name"] == "inc-1-card-payments-failing"
    slack.workspace.take("conversations.setTopic")
    slack.workspace.take("conversations.invite")
    slack.workspace.take("chat.postMessage")
    slack.workspace.take("chat.update")


def test_a_blank_title_keeps_the_modal_open_with_an_error(slack, rita):
    response = slack.interact(
        _submission("incident_declare", {"title": "   ", "severity": "3"}, {})
    )

    assert response.json() == {
        "response_action": "errors",
        "errors": {"title": "An incident needs a title."},
    }
    assert not Incident.objects.exists()


def test_the_update_modal_posts_a_stakeholder_update(slack, rita):
    declare(rita)
    values = {"body": "We are rolling back.", "impact": "Checkout slow", "eta": "30 min"}

    slack.interact(_submission("incident_stakeholder_update", values, {"number": 1}))

    update = StakeholderUpdate.objects.get()
    assert (update.body, update.impact, update.eta) == (
        "We are rolling back.\nImpact: Checkout slow\nETA: 30 min",
        "Checkout slow",
        "30 min",
    )


def test_a_refused_modal_submission_is_told_by_an_ephemeral_message(slack, rita):
    declare(rita)
    values = {"body": "We are rolling back."}

    slack.interact(
        _submission("incident_stakeholder_update", values, {"number": 7, "channel_id": "C0X"})
    )

    [ephemeral] = slack.workspace.take("chat.postEphemeral")
    assert ephemeral == {
        "channel": "C0X",
        "user": RITA,
        "text": ":warning: Incident #7 does not exist.",
    }
