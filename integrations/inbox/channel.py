"""The `inbox` channel: the page becomes a message in the person's Firebell inbox.

Never fails for a reachable database; a page without a person (a Slack channel target) cannot
be put in an inbox, which is permanent.
"""

from __future__ import annotations

from core import clock
from integrations.inbox.models import InboxMessage
from oncall.channels import DeliveryResult
from oncall.formatting import page_summary


class InboxChannel:
    def send(self, page) -> DeliveryResult:
        if page.user_id is None:
            return DeliveryResult(ok=False, permanent=True, error="An inbox needs a person.")
        summary = page_summary(page)
        message, _created = InboxMessage.objects.get_or_create(
            page=page,
            defaults={
                "user_id": page.user_id,
                "incident_id": page.incident_id,
                "title": summary.title[:300],
                "text": summary.text,
                "created_at": clock.now(),
            },
        )
        return DeliveryResult(ok=True, provider_response={"inbox_message": message.pk})
