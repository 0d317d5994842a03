"""Slack channel: a DM to the person (or a post to a channel target) with Acknowledge/Resolve
buttons, through slack-sdk's WebClient at SLACK_API_URL with SLACK_BOT_TOKEN.

The person's Slack id is the rule's address, else their linked Slack user, else looked up by
e-mail (users.lookupByEmail) and remembered as a link.
The buttons carry action ids `incident_acknowledge` / `incident_resolve` / `incident_escalate`
and the incident id as value; the Slack app's interaction handler answers them.
"""

from __future__ import annotations

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from integrations.slack import users
from integrations.slack.blocks import incident_buttons
from integrations.slack.client import SlackFailure, is_transient
from oncall.channels import DeliveryResult
from oncall.formatting import PageSummary, page_summary


def message_blocks(summary: PageSummary) -> list[dict]:
    """The page: what and where, with Acknowledge / Resolve / Escalate / Open in Firebell. Once a
    button is pressed (or the incident changes anywhere) the Slack app replaces it with the
    incident card (integrations/slack/sync.py)."""
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{summary.title}*\n<{summary.url}|Open incident>"},
        },
        incident_buttons(summary.incident_id, summary.url),
    ]


class SlackChannel:
    def send(self, page) -> DeliveryResult:
        if not settings.SLACK_BOT_TOKEN:
            return DeliveryResult(ok=False, permanent=True, error="Slack is not configured.")
        client = WebClient(
            token=settings.SLACK_BOT_TOKEN,
            base_url=settings.SLACK_API_URL,
            timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS,
        )
        summary = page_summary(page)
        try:
            channel = page.address or users.slack_user_id(page.user)
            if not channel:
                return DeliveryResult(
                    ok=False, permanent=True, error="No Slack user for this person."
                )
            response = client.chat_postMessage(
                channel=channel, text=summary.title, blocks=message_blocks(summary)
            )
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            status = exc.response.status_code if exc.response is not None else 0
            transient = is_transient(status, error)
            return DeliveryResult(
                ok=False,
                permanent=not transient,
                provider_response={"status": status, "error": error},
                error=f"Slack: {error or status}",
            )
        except (SlackClientError, OSError) as exc:
            return DeliveryResult(ok=False, permanent=False, error=f"Slack: {type(exc).__name__}")
        except SlackFailure as failure:  # from the user lookup
            return DeliveryResult(
                ok=False,
                permanent=not failure.transient,
                provider_response={"error": failure.error},
                error=f"Slack: {failure.error}",
            )
        return DeliveryResult(
            ok=True,
            provider_response={"channel": response.get("channel"), "ts": response.get("ts")},
        )
