"""The one way the Slack app calls Slack: `api("chat.postMessage", ...)` returns the answer's
data or raises SlackFailure, which says whether trying again later can help."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


class SlackFailure(Exception):
    """A Slack call that did not succeed. `transient` failures may succeed when retried
    (after `retry_after` seconds when Slack said so); others never will."""

    def __init__(
        self, method: str, error: str, *, transient: bool, retry_after: int | None = None
    ) -> None:
        super().__init__(f"Slack {method}: {error}")
        self.method, self.error = method, error
        self.transient, self.retry_after = transient, retry_after


def is_enabled() -> bool:
    """The Slack app runs only with both a bot token and a signing secret."""
    return bool(settings.SLACK_BOT_TOKEN and settings.SLACK_SIGNING_SECRET)


def _client() -> WebClient:
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL,
        timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS,
    )


def _failure(method: str, exc: SlackApiError) -> SlackFailure:
    response = exc.response
    status = response.status_code if response is not None else 0
    error = (response.get("error", "") if response is not None else "") or f"HTTP {status}"
    retry_after = None
    if response is not None:
        header = {k.lower(): v for k, v in (response.headers or {}).items()}.get("retry-after")
        if isinstance(header, list):
            header = header[0] if header else None
        if header and str(header).isdigit():
            retry_after = int(header)
    return SlackFailure(
        method, error, transient=is_transient(status, error), retry_after=retry_after
    )


def is_transient(status: int, error: str) -> bool:
    """Whether Slack may accept the same call later: rate limits and its own outages."""
    return status == 429 or status >= 500 or error in TRANSIENT_ERRORS


def api(method: str, **params: Any) -> dict[str, Any]:
    """Call a Web API method (`conversations.create`, …) with slack-sdk's own encoding."""
    function = getattr(_client(), method.replace(".", "_"))
    try:
        return function(**params).data
    except SlackApiError as exc:
        raise _failure(method, exc) from None
    except (SlackClientError, OSError) as exc:
        raise SlackFailure(method, type(exc).__name__, transient=True) from None


def respond(response_url: str, body: dict[str, Any]) -> bool:
    """Post to a slash command's or interaction's `response_url`; False if Slack refused."""
    if not response_url:
        return False
    try:
        result = WebhookClient(response_url, timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS)
        return result.send_dict(body).status_code == 200
    except (SlackClientError, OSError, ValueError):
        return False
