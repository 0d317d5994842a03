"""E-mail channel: Django's e-mail (EMAIL_BACKEND, EMAIL_HOST, …) to the person's address."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from oncall.channels import DeliveryResult
from oncall.formatting import page_summary


class EmailChannel:
    def send(self, page) -> DeliveryResult:
        address = page.address or (page.user.email if page.user else "")
        if not address:
            return DeliveryResult(
                ok=False, permanent=True, error="No e-mail address for this person."
            )
        summary = page_summary(page)
        message = EmailMessage(
            subject=summary.title,
            body=f"{summary.text}\n\nOpen: {summary.url}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={
                "X-Firebell-Incident": str(page.incident.number),
                "X-Firebell-Page": str(page.pk),
            },
        )
        try:
            connection = get_connection(timeout=settings.FIREBELL_NOTIFY_TIMEOUT_SECONDS)
            sent = connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            return DeliveryResult(
                ok=False, permanent=True, error=f"Recipient refused: {exc.recipients}"
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(ok=False, permanent=False, error=f"{type(exc).__name__}: {exc}")
        return DeliveryResult(
            ok=bool(sent),
            provider_response={"to": address},
            error="" if sent else "The e-mail backend sent nothing.",
        )
