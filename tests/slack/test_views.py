"""The protocol: every request is verified as Slack signs it, url_verification is answered,
Events API retries are de-duplicated, and nothing answers 500."""

from __future__ import annotations

import time

import pytest

from integrations.slack.models import SlackInbound
from tests.slack.conftest import SECRET
from tests.standins.slack import form_body, signed_headers

FORM = "application/x-www-form-urlencoded"


def _headers(kind: str) -> dict[str, str]:
    # Well beyond Slack's five minutes either way: a second's margin was eaten by a loaded machine
    # between signing and checking, and the "future" request passed as fresh.
    now = int(time.time())
    return {
        "missing": {},
        "wrong-secret": signed_headers("not-the-secret", b"text=list"),
        "stale": signed_headers(SECRET, b"text=list", now - 900),
        "future": signed_headers(SECRET, b"text=list", now + 900),
        "garbage": {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        "signed-other-body": signed_headers(SECRET, b"text=help"),
    }[kind]


@pytest.mark.parametrize(
    "kind", ["missing", "wrong-secret", "stale", "future", "garbage", "signed-other-body"]
)
@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactions", "/slack/events"])
def test_a_request_without_a_good_signature_gets_401_and_does_nothing(slack, path, kind):
    response = slack.post(path, b"text=list", FORM, headers=_headers(kind))

    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "invalid_signature"}
    assert not SlackInbound.objects.exists()


def test_without_a_signing_secret_every_request_is_refused(slack, settings):
    settings.SLACK_SIGNING_SECRET = ""

    response = slack.command("list")

    assert response.status_code == 401


def test_a_signature_within_the_five_minute_window_is_accepted(slack):
    body = form_body(text="help")
    headers = signed_headers(SECRET, body, int(time.time()) - 290)

    response = slack.post("/slack/commands", body, FORM, headers=headers)

    assert response.status_code == 200


def test_url_verification_is_answered_with_the_challenge(slack):
    response = slack.event({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595"})

    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595"}


def test_an_events_api_retry_with_the_same_event_id_is_processed_once(slack):
    event = {
        "type": "event_callback",
        "event_id": "Ev0PV52K21",
        "event": {
            "type": "reaction_added",
            "reaction": "pushpin",
            "user": "U0RITA",
            "item": {"type": "message", "channel": "C0ELSEWHERE", "ts": "1.1"},
        },
    }
    first, again = slack.event(event), slack.event(event)

    assert first.json() == {"ok": True}
    assert again.json() == {"ok": True, "duplicate": True}
    [stored] = SlackInbound.objects.all()
    assert stored.outcome == "not an incident channel"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/slack/events", b"not json"),
        ("/slack/events", b"[1, 2]"),
        ("/slack/events", b'{"type": "event_callback", "event": "x"}'),
        ("/slack/interactions", b"payload=%7Bbroken"),
        ("/slack/interactions", b"payload=%5B%5D"),
        ("/slack/interactions", b"nothing=here"),
        (
            "/slack/interactions",
            b"payload=%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A1%7D",
        ),
        (
            "/slack/interactions",
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B1%5D%7D",
        ),
        (
            "/slack/interactions",
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%22U1%22%7D",
        ),
        ("/slack/commands", b"\xff\xfe"),
        ("/slack/commands", b""),
    ],
)
def test_malformed_but_signed_bodies_get_a_4xx_or_200_never_500(slack, path, body):
    response = slack.post(path, body, FORM)

    assert response.status_code in {200, 400, 401}


def test_only_post_is_allowed(slack, client):
    assert client.get("/slack/commands").status_code == 405


def test_the_command_answers_before_the_slow_work_is_done(slack, responder):
    body = form_body(
        text="declare Checkout is down sev1",
        user_id="U0RITA",
        channel_id="C0GENERAL",
        response_url=slack.workspace.response_url,
    )
    with slack.capture(execute=False) as queued:
        response = slack.client.post(
            "/slack/commands", data=body, content_type=FORM, headers=signed_headers(SECRET, body)
        )
    assert response.status_code == 200
    assert response.content == b""
    assert slack.workspace.http.requests == []  # Slack has not been called yet
    assert len(queued) == 1  # the command waits for the worker

    with slack.capture(execute=True):
        queued[0]()

    assert slack.workspace.take("users.info")
    assert [c["name"] for c in slack.workspace.take("conversations.create")] == [
        "inc-1-checkout-is-down"
    ]
    assert slack.workspace.take("conversations.setTopic")
    assert slack.workspace.take("conversations.invite")
    posts = slack.workspace.take("chat.postMessage")
    assert {p["channel"] for p in posts} == {"C0GENERAL", "C100"}  # card here and in #inc-1-…
    assert slack.workspace.take("chat.update")  # the commander's assignment, on both cards
    assert slack.reply()["text"].startswith("Declared [SEV-1] #1 Checkout is down")


def test_a_request_whose_task_was_lost_is_queued_again_by_the_sweep(slack, responder):
    from datetime import timedelta

    from core import clock
    from integrations.slack.inbound import inbounds_requeue_lost
    from integrations.slack.tasks import slack_sweep_task

    body = form_body(text="list", user_id="U0RITA", response_url=slack.workspace.response_url)
    with slack.capture(execute=False):  # the task is "lost": never run
        slack.client.post(
            "/slack/commands", data=body, content_type=FORM, headers=signed_headers(SECRET, body)
        )
    [stored] = SlackInbound.objects.all()

    assert inbounds_requeue_lost() == 0  # not yet: it may only be slow
    with clock.frozen_at(stored.received_at + timedelta(minutes=1)), slack.capture(execute=True):
        assert slack_sweep_task() == (
            "0 channels archived, 1 requests and 0 timeline events queued again"
        )
    with clock.frozen_at(stored.received_at + timedelta(minutes=2)):
        assert inbounds_requeue_lost() == 0  # done now

    slack.workspace.take("users.info")
    assert slack.reply()["text"] == "No open incidents. :tada:"
    with clock.frozen_at(stored.received_at + timedelta(minutes=31)):
        SlackInbound.objects.update(processed_at=None)
        assert inbounds_requeue_lost() == 0  # too old for its response_url
    SlackInbound.objects.update(processed_at=clock.now())
    with clock.frozen_at(stored.received_at + timedelta(days=8)):
        slack_sweep_task()
    assert not SlackInbound.objects.exists()  # handled requests are forgotten after a week


def test_a_signed_payload_of_a_shape_slack_never_sends_is_recorded_as_malformed(slack):
    body = form_body(payload='{"type": "block_actions", "user": "U1", "actions": []}')

    assert slack.post("/slack/interactions", body, FORM).status_code == 200

    assert SlackInbound.objects.get().outcome.startswith("malformed: AttributeError")
