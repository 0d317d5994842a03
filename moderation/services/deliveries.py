"""The outbox to the platform's webhook: every decision (and suspension lift) is stored as a
`Delivery` in the transaction that made it, then sent after commit by Celery and retried with
exponential backoff; a beat sweep sends what a lost task left behind. A decision is never lost
because the platform was down: its delivery waits, `failed` after the last attempt, visible on
the item and in the deliveries list, and can be retried by hand.

Signature: `X-Firebell-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
`X-Firebell-Timestamp` (Unix seconds), so a receiver can reject stale or replayed requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import httpx2
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q

from core import clock
from core.errors import ConflictError
from moderation.models import Decision, Delivery, DeliveryStatus, Item, Suspension
from moderation.services.common import (
    MODERATE_PERMISSION,
    actor_name,
    item_event_record,
    require,
)

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Firebell-Signature"
TIMESTAMP_HEADER = "X-Firebell-Timestamp"
LEASE = timedelta(minutes=2)
SEND_TIMEOUT_SECONDS = 10


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def decision_payload(decision: Decision) -> dict[str, Any]:
    item = decision.item
    suspension = decision.suspensions.first() if decision.action == "suspend" else None
    return {
        "decision": {
            "id": decision.pk,
            "action": decision.action,
            "reason": decision.reason,
            "policy": decision.policy.slug if decision.policy else None,
            "message": decision.message,
            "decided_by": decision.decided_by_name,
            "decided_at": decision.decided_at.isoformat(),
            "suspension": suspension_payload(suspension) if suspension else None,
            "reverses": _reversed(decision),
            "incident": decision.incident.number if decision.incident else None,
        },
        "item": {"id": item.pk, "kind": item.kind},
        "content": {"type": item.content_type, "id": item.content_id, "url": item.url},
        "user": {"id": item.user.external_id, "display_name": item.user.display_name},
    }


def _reversed(decision: Decision) -> dict[str, Any] | None:
    appealed = decision.item.appeal_of
    if decision.action != "overturn" or appealed is None:
        return None
    return {"decision_id": appealed.pk, "action": appealed.action}


def suspension_payload(suspension: Suspension) -> dict[str, Any]:
    return {
        "id": suspension.pk,
        "user_id": suspension.user.external_id,
        "starts_at": suspension.starts_at.isoformat(),
        "ends_at": suspension.ends_at.isoformat() if suspension.ends_at else None,
        "permanent": suspension.ends_at is None,
        "reason": suspension.reason,
        "lifted_at": suspension.lifted_at.isoformat() if suspension.lifted_at else None,
        "lift_reason": suspension.lift_reason,
    }


def delivery_enqueue(
    event: str,
    payload: dict[str, Any],
    *,
    item: Item | None = None,
    decision: Decision | None = None,
) -> Delivery:
    """Store a delivery; call inside the transaction that made the change. It is sent after
    commit (and by the sweep if that task is lost)."""
    [delivery] = deliveries_enqueue([(event, payload, item, decision)])
    return delivery


def deliveries_enqueue(
    rows: list[tuple[str, dict[str, Any], Item | None, Decision | None]],
) -> list[Delivery]:
    """Store many deliveries (event, payload, item, decision) in one insert; sent after commit."""
    now = clock.now()
    made = Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                payload={"event": event, **payload},
                item=item,
                decision=decision,
                created_at=now,
                next_attempt_at=now,
            )
            for event, payload, item, decision in rows
        ]
    )
    ids = [delivery.pk for delivery in made]
    transaction.on_commit(lambda: deliveries_queue(ids))
    return made


QUEUE_CHUNK = 50


def deliveries_queue(delivery_ids: list[int]) -> None:
    """Queue sending, in tasks of up to 50 deliveries (a bulk decision of 500 queues ten)."""
    # A broker that is down must not fail the decision: the sweep sends it later.
    from moderation.tasks import deliveries_send_task

    for start in range(0, len(delivery_ids), QUEUE_CHUNK):
        chunk = delivery_ids[start : start + QUEUE_CHUNK]
        try:
            deliveries_send_task.apply_async((chunk,), retry=False)
        except Exception:
            logger.warning(
                "Could not queue moderation deliveries %s; the sweep will send them",
                chunk,
                exc_info=True,
            )


def _claim(delivery_id: int, now) -> Delivery | None:
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lte=now
    )
    claimed = Delivery.objects.filter(due, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, lease_until=now + LEASE
    )
    return Delivery.objects.filter(pk=delivery_id).first() if claimed else None


def delivery_send(delivery_id: int) -> str:
    """Send one due delivery (claimed with a conditional UPDATE, so two workers never send it
    twice at once); record the outcome. Returns what happened. No transaction is held while
    the request is in flight."""
    url, secret = (
        settings.FIREBELL_MODERATION_WEBHOOK_URL,
        settings.FIREBELL_MODERATION_WEBHOOK_SECRET,
    )
    if not url:
        return "skipped: FIREBELL_MODERATION_WEBHOOK_URL is not set; kept pending"
    delivery = _claim(delivery_id, clock.now())
    if delivery is None:
        return "skipped: not due or taken by another worker"
    body = json.dumps({"id": delivery.pk, **delivery.payload}, separators=(",", ":")).encode()
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Firebell-Event": delivery.event,
        "X-Firebell-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
    status_code, error = None, ""
    try:
        response = httpx2.post(url, content=body, headers=headers, timeout=SEND_TIMEOUT_SECONDS)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:200]}"
    except httpx2.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    return _outcome(delivery, status_code, error)


def _outcome(delivery: Delivery, status_code: int | None, error: str) -> str:
    with transaction.atomic():
        now = clock.now()
        attempts = delivery.attempts + 1
        if not error:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED,
                attempts=attempts,
                delivered_at=now,
                last_status_code=status_code,
                last_error="",
                lease_until=None,
            )
            return f"delivered {delivery.pk}"
        final = attempts >= settings.FIREBELL_MODERATION_DELIVERY_MAX_ATTEMPTS
        backoff = settings.FIREBELL_MODERATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
            attempts=attempts,
            last_status_code=status_code,
            last_error=error,
            lease_until=None,
            next_attempt_at=now + timedelta(seconds=min(backoff, 3600)),
        )
        if final and delivery.item_id:
            item_event_record(
                Item(pk=delivery.item_id),
                "delivery.failed",
                actor_label="Firebell",
                message=f"Telling the platform failed after {attempts} attempts: {error}",
                now=now,
            )
    return f"{'failed' if final else 'will retry'} {delivery.pk}: {error}"


def deliveries_due(limit: int = 200) -> list[int]:
    """Ids of deliveries to send now: pending and due, or sending with an expired lease."""
    now = clock.now()
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lte=now
    )
    return list(
        Delivery.objects.filter(due)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def delivery_retry(*, delivery: Delivery, actor: AbstractBaseUser | None) -> Delivery:
    """Send a failed (or waiting) delivery again now, with a fresh set of attempts."""
    require(actor, MODERATE_PERMISSION, "retry deliveries")
    if delivery.status == DeliveryStatus.DELIVERED:
        raise ConflictError("This delivery has been delivered already.")
    with transaction.atomic():
        now = clock.now()
        Delivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None
        )
        if delivery.item_id:
            item_event_record(
                Item(pk=delivery.item_id),
                "delivery.retried",
                actor_label=actor_name(actor),
                message="Delivery retried",
                now=now,
            )
        transaction.on_commit(lambda: deliveries_queue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
