"""The Slack test harness: the recording HTTP stand-in as a Slack workspace, and helpers that
post to Firebell's /slack/* URLs signed exactly as Slack signs them. After-commit work (the
queued Celery tasks, run eagerly) is executed inside each helper."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.standins import fixtures
from tests.standins.slack import SlackWorkspace, form_body, signed_headers

standins = fixtures.standins
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RITA, RON, VICTOR, OLGA, STRANGER = "U0RITA", "U0RON", "U0VICTOR", "U0OLGA", "U0NOBODY"


@dataclass
class SlackHarness:
    workspace: SlackWorkspace
    client: Client
    capture: object  # django_capture_on_commit_callbacks
    standins: object = None

    def post(self, path: str, body: bytes, content_type: str, headers: dict | None = None):
        headers = signed_headers(SECRET, body) if headers is None else headers
        with self.capture(execute=True):
            return self.client.post(path, data=body, content_type=content_type, headers=headers)

    def command(self, text: str, *, user: str = RITA, channel: str = "C0GENERAL", **extra):
        body = form_body(
            command="/incident",
            text=text,
            user_id=user,
            channel_id=channel,
            team_id="T1",
            trigger_id="13345224609.738474920.8088930838d88f008e0",
            response_url=self.workspace.response_url,
            **extra,
        )
        return self.post("/slack/commands", body, "application/x-www-form-urlencoded")

    def interact(self, payload: dict):
        body = form_body(payload=json.dumps(payload))
        return self.post("/slack/interactions", body, "application/x-www-form-urlencoded")

    def click(self, action_id: str, incident, *, user: str = RITA, channel="D0RITA", ts="1.2"):
        return self.interact(
            {
                "type": "block_actions",
                "user": {"id": user},
                "channel": {"id": channel},
                "container": {"type": "message", "channel_id": channel, "message_ts": ts},
                "message": {"ts": ts},
                "response_url": self.workspace.response_url,
                "actions": [{"action_id": action_id, "value": str(incident.pk)}],
            }
        )

    def event(self, payload: dict):
        return self.post("/slack/events", json.dumps(payload).encode(), "application/json")

    def reply(self) -> dict:
        """The one thing Firebell posted to response_url."""
        [reply] = self.workspace.responses()
        return reply


@pytest.fixture
def slack(standins, settings, client, django_capture_on_commit_callbacks, defaults):
    settings.SLACK_SIGNING_SECRET = SECRET
    settings.SLACK_COMMAND = "/incident"
    settings.PUBLIC_BASE_URL = "https://firebell.example.com"
    workspace = SlackWorkspace(standins.http)
    for slack_id, username in (
        (RITA, "rita-responder"),
        (RON, "ron-responder"),
        (VICTOR, "victor-viewer"),
        (OLGA, "olga-outsider"),
    ):
        workspace.add_user(slack_id, f"{username}@example.com")
    workspace.add_user(STRANGER, "someone@elsewhere.example")
    return SlackHarness(workspace, client, django_capture_on_commit_callbacks, standins)


logging.getLogger("mail.log").setLevel(logging.WARNING)
