"""PagerDuty channel: forwards a page as an Events API v2 `trigger`, and keeps acknowledge and
resolve in sync by dedup key (`firebell-incident-<id>`), with the `pagerduty` package.

Routing key: the rule's address, else PAGERDUTY_ROUTING_KEY. PAGERDUTY_EVENTS_URL may be http://
for a local stand-in (the client's URL setter refuses http://, so `_url` is set directly).
The client's own retries are cut down: Firebell retries with its own backoff.
"""

from __future__ import annotations

from django.conf import settings
from pagerduty import EventsApiV2Client
from pagerduty.errors import Error, HttpError

from oncall.channels import DeliveryResult
from oncall.formatting import page_summary

SEVERITY = {"SEV-1": "critical", "SEV-2": "error", "SEV-3": "warning"}


def dedup_key(page) -> str:
    return f"firebell-incident-{page.incident_id}"


def _client(page) -> EventsApiV2Client:
    client = EventsApiV2Client(page.address or settings.PAGERDUTY_ROUTING_KEY)
    client._url = settings.PAGERDUTY_EVENTS_URL.rstrip("/")
    client.timeout = settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS
    client.retry = {429: 1}  # one quick retry, then our backoff (default: retry 429 for ever)
    client.max_network_attempts = 0
    client.sleep_timer = 0.2
    return client


def _failure(exc: Error) -> DeliveryResult:
    response = getattr(exc, "response", None)
    status = response.status_code if response is not None else 0
    transient = not isinstance(exc, HttpError) or status == 429 or status >= 500
    return DeliveryResult(
        ok=False,
        permanent=not transient,
        provider_response={"status": status},
        error=f"PagerDuty: HTTP {status}" if status else "PagerDuty: network error",
    )


class PagerDutyChannel:
    def send(self, page) -> DeliveryResult:
        if not (page.address or settings.PAGERDUTY_ROUTING_KEY):
            return DeliveryResult(ok=False, permanent=True, error="No PagerDuty routing key.")
        summary = page_summary(page)
        try:
            key = _client(page).trigger(
                summary.title,
                source="firebell",
                dedup_key=dedup_key(page),
                severity=SEVERITY.get(summary.severity, "info"),
                custom_details={"incident": summary.incident_number, "url": summary.url},
                links=[{"href": summary.url, "text": "Firebell incident"}],
            )
        except Error as exc:
            return _failure(exc)
        return DeliveryResult(ok=True, provider_response={"dedup_key": key})

    def sync(self, page, action: str) -> DeliveryResult:
        """`action` is "acknowledge" or "resolve"."""
        client = _client(page)
        try:
            key = getattr(client, action)(dedup_key(page))
        except Error as exc:
            return _failure(exc)
        return DeliveryResult(ok=True, provider_response={"dedup_key": key})
