"""Outgoing webhook: a JSON POST signed with HMAC-SHA256 (header X-Firebell-Signature).

The URL is the rule's address, else OUTGOING_WEBHOOK_URL. The signature is
`sha256=<hex HMAC of the exact body with OUTGOING_WEBHOOK_SECRET>`; X-Firebell-Timestamp is part
of the body, so receivers can reject replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx2
from django.conf import settings

from core import clock
from integrations.channels import http_result, network_failure
from oncall.channels import DeliveryResult
from oncall.formatting import page_summary

SIGNATURE_HEADER = "X-Firebell-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def send(self, page) -> DeliveryResult:
        url = page.address or settings.OUTGOING_WEBHOOK_URL
        if not url:
            return DeliveryResult(ok=False, permanent=True, error="No webhook URL configured.")
        summary = page_summary(page)
        payload = {
            "event": "incident.page",
            "page_id": page.pk,
            "incident": {
                "id": summary.incident_id,
                "number": summary.incident_number,
                "title": page.incident.title,
                "severity": summary.severity,
                "status": summary.status,
                "url": summary.url,
            },
            "user": page.user.get_username() if page.user else None,
            "reminder": summary.reminder,
            "sent_at": clock.now().isoformat(),
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"firebell-page-{page.pk}",
        }
        if settings.OUTGOING_WEBHOOK_SECRET:
            headers[SIGNATURE_HEADER] = sign(body, settings.OUTGOING_WEBHOOK_SECRET)
        try:
            response = httpx2.post(
                url, content=body, headers=headers, timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS
            )
        except httpx2.HTTPError as exc:
            return network_failure(exc, provider="Webhook")
        return http_result(response, provider="Webhook")
