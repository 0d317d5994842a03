"""Writes of status-page subscriptions: subscribe (double opt-in), confirm, unsubscribe, and the
outbox that mails every public update to each active subscriber exactly once, at a bounded rate.

Tokens are signed (django.core.signing, salted per purpose), so links need no stored secret;
a confirmation link expires after `CONFIRM_MAX_AGE`, an unsubscribe link never does."""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from core import clock
from core.errors import NotFoundError, ValidationError
from core.ui import render_to_string
from statuspage.models import Component, OutboxStatus, PublicUpdate, Subscriber, SubscriberEmail

logger = logging.getLogger(__name__)

CONFIRM_SALT, UNSUBSCRIBE_SALT = "statuspage.confirm", "statuspage.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
SEND_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def _url(name: str, token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(name, args=[token])


def confirm_url(subscriber: Subscriber) -> str:
    return _url("statuspage:confirm", signing.dumps(subscriber.pk, salt=CONFIRM_SALT))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return _url("statuspage:unsubscribe", signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT))


def subscriber_request(*, email: str, components: Iterable[Component] = ()) -> Subscriber:
    """Ask for updates: stores the address unconfirmed and mails it a confirmation link.

    Asking again (also after unsubscribing) replaces the choice of components and sends a new
    link; an unsubscribed address receives nothing until it confirms again."""
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise ValidationError("Email: enter a valid address.", errors={"email": ["Invalid."]})
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email, created_at=clock.now())
            except IntegrityError:  # the same address asked twice at once
                subscriber = Subscriber.objects.get(email__iexact=email)
        subscriber.components.set(list(components))
        subscriber_id = subscriber.pk
        transaction.on_commit(lambda: _queue_confirmation(subscriber_id))
    return subscriber


def _queue_confirmation(subscriber_id: int) -> None:
    from statuspage.tasks import subscriber_confirmation_send_task

    try:
        subscriber_confirmation_send_task.apply_async((subscriber_id,), retry=False)
    except Exception:
        logger.warning("Could not queue the confirmation of %s", subscriber_id, exc_info=True)


def subscriber_confirmation_send(*, subscriber_id: int) -> str:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return f"subscriber {subscriber_id}: gone"
    context = {
        "title": settings.FIREBELL_STATUS_PAGE_TITLE,
        "confirm_url": confirm_url(subscriber),
        "components": [c.name for c in subscriber.components.all()],
    }
    EmailMessage(
        subject=f"Confirm your subscription to {settings.FIREBELL_STATUS_PAGE_TITLE}",
        body=render_to_string(None, "statuspage/email_confirm.txt", context),
        to=[subscriber.email],
    ).send()
    return f"subscriber {subscriber_id}: confirmation sent"


def _load(token: str, salt: str, max_age: timedelta | None) -> Subscriber:
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError("This link has expired: subscribe again for a new one.") from None
    except signing.BadSignature:
        raise NotFoundError("This link is not valid.") from None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None:
        raise NotFoundError("This subscription no longer exists.")
    return subscriber


def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm by the signed link; idempotent (a second click changes nothing)."""
    subscriber = _load(token, CONFIRM_SALT, CONFIRM_MAX_AGE)
    if not subscriber.is_active:
        subscriber.confirmed_at, subscriber.unsubscribed_at = clock.now(), None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscriber


def subscriber_unsubscribe(*, token: str) -> Subscriber:
    """Unsubscribe by the signed link (one click, also RFC 8058's POST); idempotent."""
    subscriber = _load(token, UNSUBSCRIBE_SALT, None)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = clock.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


# --- the outbox ----------------------------------------------------------------------------------


def outbox_fill(*, update_id: int) -> int:
    """One outbox row per active subscriber of the update's components (or of everything);
    idempotent: the unique constraint makes a second run add nothing. Returns rows added."""
    update = PublicUpdate.objects.select_related("publication").filter(pk=update_id).first()
    if update is None:
        return 0
    component_ids = list(update.publication.components.values_list("pk", flat=True))
    audience = Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    # Subscribers of no component in particular get everything; the others their components'.
    audience = audience.filter(Q(components__isnull=True) | Q(components__in=component_ids))
    ids = set(audience.values_list("pk", flat=True))
    rows = [SubscriberEmail(update_id=update_id, subscriber_id=pk) for pk in sorted(ids)]
    created = SubscriberEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(created)


def _claim(limit: int) -> list[SubscriberEmail]:
    now = clock.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            SubscriberEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        SubscriberEmail.objects.filter(pk__in=ids).update(
            claim_token=token, claimed_until=now + SEND_LEASE
        )
    return list(
        SubscriberEmail.objects.filter(pk__in=ids, claim_token=token).select_related(
            "subscriber", "update", "update__publication"
        )
    )


SENDER_LOCK = "statuspage:outbox-sender"
BATCH_SECONDS = 10


def outbox_send(*, per_second: int | None = None) -> int:
    """Send pending outbox rows for about `BATCH_SECONDS`, at most `per_second`
    (FIREBELL_STATUS_EMAILS_PER_SECOND); returns how many were sent.

    One sender at a time across all workers (a lock in the shared cache), so the rate bound
    holds for the whole installation; rows are claimed too, so even two senders never mail one
    row twice. Beat calls it every 10 s for whatever is left."""
    per_second = per_second or settings.FIREBELL_STATUS_EMAILS_PER_SECOND
    if not cache.add(SENDER_LOCK, "1", BATCH_SECONDS + 20):
        return 0
    try:
        sent = 0
        for row in _claim(per_second * BATCH_SECONDS):
            started = time.monotonic()
            sent += _send_one(row)
            time.sleep(max(0.0, 1 / per_second - (time.monotonic() - started)))
        return sent
    finally:
        cache.delete(SENDER_LOCK)


def _send_one(row: SubscriberEmail) -> int:
    update, subscriber = row.update, row.subscriber
    unsubscribe = unsubscribe_url(subscriber)
    context = {
        "title": settings.FIREBELL_STATUS_PAGE_TITLE,
        "publication": update.publication,
        "update": update,
        "page_url": settings.PUBLIC_BASE_URL + reverse("statuspage:page"),
        "unsubscribe_url": unsubscribe,
    }
    message = EmailMessage(
        subject=f"[{update.get_status_display()}] {update.publication.title}",
        body=render_to_string(None, "statuspage/email_update.txt", context),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        _finish(row, OutboxStatus.FAILED, f"refused: {exc}")
        return 0
    except (smtplib.SMTPException, OSError) as exc:
        attempts = row.attempts + 1
        status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        _finish(row, status, f"{type(exc).__name__}: {exc}", attempts=attempts)
        return 0
    _finish(row, OutboxStatus.SENT, "")
    return 1


def _finish(row: SubscriberEmail, status: str, error: str, attempts: int | None = None) -> None:
    SubscriberEmail.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
        status=status,
        last_error=error[:500],
        sent_at=clock.now() if status == OutboxStatus.SENT else None,
        attempts=attempts if attempts is not None else row.attempts + 1,
        # A transient failure waits (30 s times attempts) before another sender may claim it.
        claimed_until=clock.now() + timedelta(seconds=30 * (attempts or 1))
        if status == OutboxStatus.PENDING
        else row.claimed_until,
    )
