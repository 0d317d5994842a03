"""SMS and voice through a Twilio-style HTTP provider: a form POST to
`{SMS_API_URL}/Accounts/{SMS_ACCOUNT_SID}/Messages.json` (or `Calls.json`) with basic auth
(SMS_ACCOUNT_SID, SMS_AUTH_TOKEN), From = SMS_FROM_NUMBER, To = the rule's address.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import httpx2
from django.conf import settings

from integrations.channels import http_result, network_failure
from oncall.channels import DeliveryResult
from oncall.formatting import page_summary


def _post(resource: str, form: dict[str, str]) -> DeliveryResult:
    if not (settings.SMS_API_URL and settings.SMS_ACCOUNT_SID and settings.SMS_AUTH_TOKEN):
        return DeliveryResult(ok=False, permanent=True, error="The SMS provider is not configured.")
    url = f"{settings.SMS_API_URL.rstrip('/')}/Accounts/{settings.SMS_ACCOUNT_SID}/{resource}"
    try:
        response = httpx2.post(
            url,
            data=form,
            auth=(settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN),
            timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS,
        )
    except httpx2.HTTPError as exc:
        return network_failure(exc, provider="SMS provider")
    return http_result(response, provider="SMS provider")


class SmsChannel:
    resource = "Messages.json"

    def send(self, page) -> DeliveryResult:
        if not page.address:
            return DeliveryResult(ok=False, permanent=True, error="No phone number on this rule.")
        summary = page_summary(page)
        return _post(self.resource, self.form(page, summary))

    def form(self, page, summary) -> dict[str, str]:
        return {
            "To": page.address,
            "From": settings.SMS_FROM_NUMBER,
            "Body": f"{summary.title} {summary.url}"[:320],
        }


class VoiceChannel(SmsChannel):
    resource = "Calls.json"

    def form(self, page, summary) -> dict[str, str]:
        twiml = f"<Response><Say>Firebell page. {escape(summary.text)}</Say></Response>"
        return {"To": page.address, "From": settings.SMS_FROM_NUMBER, "Twiml": twiml}
