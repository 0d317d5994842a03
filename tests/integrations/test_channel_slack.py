"""Slack channel: slack-sdk's WebClient pointed at a local stand-in of the Web API."""

from __future__ import annotations

from oncall.models import Page, PageStatus
from tests.oncall.conftest import declare, person, policy_of
from tests.standins import fixtures
from tests.standins.http import Answer

standins = fixtures.standins


def test_a_person_is_found_by_email_and_sent_a_dm_with_acknowledge_and_resolve_buttons(
    standins, db
):
    standins.http.respond(
        "/slack/api/users.lookupByEmail", json={"ok": True, "user": {"id": "U42"}}
    )
    standins.http.respond(
        "/slack/api/chat.postMessage", json={"ok": True, "channel": "D1", "ts": "1.5"}
    )
    sue = person("sue-slack", high=(("slack", 0),))
    declare(policy_of("Slack", (5, [sue])), title="Login broken")
    [lookup] = standins.http.take("/slack/api/users.lookupByEmail")
    assert "sue-slack%40example.com" in lookup.body.decode()
    [post] = standins.http.take("/slack/api/chat.postMessage")
    message = post.json()
    assert message["channel"] == "U42"
    assert "Login broken" in message["text"]
    actions = [e["action_id"] for e in message["blocks"][1]["elements"]]
    assert actions == [
        "incident_acknowledge",
        "incident_resolve",
        "incident_escalate",
        "incident_open",
    ]
    assert post.headers["Authorization"] == "Bearer xoxb-test-token"
    page = Page.objects.get()
    assert page.status == PageStatus.SENT
    assert page.provider_response == {
        "channel": "D1",
        "ts": "1.5",
    }


def test_a_slack_channel_target_is_posted_to_that_channel(standins, db):
    declare(policy_of("Channel", (5, ["#ops-alerts"])))
    [post] = standins.http.take("/slack/api/chat.postMessage")
    assert post.json()["channel"] == "#ops-alerts"


def test_rate_limiting_is_retried_and_an_invalid_channel_is_not(standins, db):
    def answer(request):
        if request.json()["channel"] == "#busy":
            return Answer(status=429, json={"ok": False, "error": "ratelimited"})
        return Answer(json={"ok": False, "error": "channel_not_found"})

    standins.http.respond("/slack/api/chat.postMessage", answer)
    declare(policy_of("Channel", (5, ["#busy", "#nowhere"])))
    assert len(standins.http.take("/slack/api/chat.postMessage")) == 2
    assert Page.objects.get(address="#busy").status == PageStatus.PENDING
    assert Page.objects.get(address="#nowhere").status == PageStatus.FAILED
