"""Delivering pages: claim, send through the channel, record the outcome, retry with backoff.

A page is claimed with a conditional UPDATE that sets a lease (`lease_until`) and counts the
attempt; only the claimer sends, and the outcome is recorded only if the attempt is still its
own. A sent page is never sent again. The sender renews its lease while the send runs, so the
lease can be short (FIREBELL_PAGE_LEASE_SECONDS, 12 s): a page whose worker died mid-send is
free again within one lease and the tick queues it again at once, while a slow but live send
is never taken over. Transient failures are retried with exponential backoff
(`due_at` moves on; the beat tick re-queues), up to FIREBELL_PAGE_MAX_ATTEMPTS; permanent ones
fail at once. Failures are written on the incident timeline. The network call happens outside
any transaction, and a failing channel never holds up the next level (levels are timed by the
escalation state, not by deliveries).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q

from core import clock
from incidents.models import Source
from incidents.services import timeline_event_record
from oncall.channels import DeliveryResult, UnknownChannelError, channel_get
from oncall.models import Page, PageStatus

logger = logging.getLogger(__name__)


def _max_attempts() -> int:
    return getattr(settings, "FIREBELL_PAGE_MAX_ATTEMPTS", 5)


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "FIREBELL_PAGE_LEASE_SECONDS", 12))


class _LeaseKept:
    """While the block runs, renew the lease on attempt `attempts` of page `page_id` every third
    of its length, from a thread with its own database connection. A live send (however slow:
    a channel may take its whole network timeout) keeps its page; a dead worker stops renewing,
    and its page is free within one lease."""

    def __init__(self, page_id: int, attempts: int) -> None:
        self.page_id, self.attempts = page_id, attempts
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{page_id}", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        lease = _lease()
        try:
            while not self._stop.wait(lease.total_seconds() / 3):
                Page.objects.filter(
                    pk=self.page_id, attempts=self.attempts, status=PageStatus.PENDING
                ).update(lease_until=clock.now() + lease)
        except Exception:  # the send goes on; at worst its lease runs out and it is retried
            logger.exception("Could not renew the lease on page %s", self.page_id)
        finally:
            connections.close_all()  # this thread's connections only


def retry_delay(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s, … capped at 15 minutes."""
    base = getattr(settings, "FIREBELL_PAGE_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 900))


def page_deliver(page_id: int) -> str:
    """Send one page if it is pending, due and not being sent by someone else. Idempotent."""
    now = clock.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    claimed = Page.objects.filter(
        free, pk=page_id, status=PageStatus.PENDING, due_at__lte=now
    ).update(lease_until=now + _lease(), attempts=F("attempts") + 1)
    if not claimed:
        return f"page {page_id}: skipped (not pending, not due, or being sent)"
    page = Page.objects.select_related("incident__severity", "user").get(pk=page_id)
    try:
        with _LeaseKept(page.pk, page.attempts):
            result = channel_get(page.channel).send(page)
    except UnknownChannelError as exc:
        result = DeliveryResult(ok=False, permanent=True, error=str(exc))
    except Exception as exc:  # a channel bug must not kill the worker or stall the page
        logger.exception("Channel %s raised while sending page %s", page.channel, page.pk)
        result = DeliveryResult(ok=False, permanent=False, error=f"{type(exc).__name__}: {exc}")
    return page_record_result(page, result)


def page_record_result(page: Page, result: DeliveryResult) -> str:
    """Record the outcome of attempt `page.attempts`; ignored if that attempt is no longer ours."""
    now = clock.now()
    mine = Page.objects.filter(pk=page.pk, attempts=page.attempts).exclude(status=PageStatus.SENT)
    response = result.provider_response or {}
    with transaction.atomic():
        if result.ok:
            mine.update(
                status=PageStatus.SENT,
                sent_at=now,
                provider_response=response,
                lease_until=None,
                last_error="",
            )
            return f"page {page.pk}: sent by {page.channel}"
        final = result.permanent or page.attempts >= _max_attempts()
        if final:
            updated = mine.update(
                status=PageStatus.FAILED,
                last_error=result.error,
                provider_response=response,
                lease_until=None,
            )
        else:
            updated = mine.filter(status=PageStatus.PENDING).update(
                due_at=now + retry_delay(page.attempts),
                lease_until=None,
                enqueued_at=None,
                last_error=result.error,
                provider_response=response,
            )
        if updated:
            _record_failure(page, result, final=final)
    return f"page {page.pk}: {'failed' if final else 'will retry'} ({result.error})"


def _record_failure(page: Page, result: DeliveryResult, *, final: bool) -> None:
    who = page.user.get_username() if page.user else page.address
    if final:
        message = f"Could not page {who} by {page.channel}: {result.error}"
    else:
        message = (
            f"Paging {who} by {page.channel} failed (attempt {page.attempts}), will retry: "
            f"{result.error}"
        )
    timeline_event_record(
        incident=page.incident,
        kind="page.failed" if final else "page.attempt_failed",
        actor=None,
        source=Source.SYSTEM,
        message=message,
        data={
            "page": page.pk,
            "channel": page.channel,
            "attempts": page.attempts,
            "permanent": result.permanent,
        },
    )


def pages_enqueue_due(*, limit: int = 500) -> int:
    """Queue delivery of pending pages that are due and neither queued recently nor leased.

    The sweep that finds what a lost task left behind: a page queued more than
    FIREBELL_PAGE_REQUEUE_SECONDS ago and still pending is queued again (the claim in
    `page_deliver` keeps that harmless). It backs off: a page is queued again only once the time
    since it was last queued exceeds half the time it has been due. A lost task is re-queued
    within the interval; a page that is merely waiting behind a backlog (an alert storm) is not
    re-queued every interval, which would grow the very queue it waits in.
    """
    from oncall.tasks import page_deliver_task

    now = clock.now()
    queued = _pages_enqueue_lease_expired(now, limit=limit)
    requeue = timedelta(seconds=getattr(settings, "FIREBELL_PAGE_REQUEUE_SECONDS", 15))
    not_queued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    candidates = (
        Page.objects.filter(not_queued, free, status=PageStatus.PENDING, due_at__lte=now)
        .order_by(F("enqueued_at").asc(nulls_first=True), "due_at")
        .values_list("pk", "enqueued_at", "due_at")
    )
    for page_id, enqueued_at, due_at in candidates[: limit * 4]:
        if queued >= limit:
            break
        if enqueued_at is not None and now - enqueued_at < (now - due_at) / 2:
            continue  # backing off
        if Page.objects.filter(pk=page_id, enqueued_at=enqueued_at).update(enqueued_at=now) == 1:
            page_deliver_task.delay(page_id)
            queued += 1
    return queued


def _pages_enqueue_lease_expired(now: datetime, *, limit: int) -> int:
    """Queue again, at once, each pending page whose lease ran out: its sender stopped renewing
    it, so its worker died mid-send (the attempt is counted; it is not a channel failure). The
    expired lease is cleared in the same conditional UPDATE, so it is queued once."""
    from oncall.tasks import page_deliver_task

    expired = Page.objects.filter(status=PageStatus.PENDING, lease_until__lt=now).values_list(
        "pk", "lease_until"
    )
    queued = 0
    for page_id, lease_until in expired[:limit]:
        reset = Page.objects.filter(pk=page_id, lease_until=lease_until)
        if reset.update(lease_until=None, enqueued_at=now) == 1:
            logger.warning(
                "Page %s: its sender stopped mid-send (lease expired); sending again", page_id
            )
            page_deliver_task.delay(page_id)
            queued += 1
    return queued


def pages_sync(incident_id: int, action: str) -> str:
    """Tell providers that keep incident state (PagerDuty) about an acknowledge or resolve.

    Each sent page whose channel has `sync(page, action)` is told once per action.
    """
    done = 0
    for page in Page.objects.filter(incident_id=incident_id, status=PageStatus.SENT).select_related(
        "incident"
    ):
        try:
            channel = channel_get(page.channel)
        except UnknownChannelError:
            continue
        synced = page.provider_response.get("synced", [])
        if not hasattr(channel, "sync") or action in synced:
            continue
        result = channel.sync(page, action)
        if result.ok:
            response = {**page.provider_response, "synced": [*synced, action]}
            Page.objects.filter(pk=page.pk).update(provider_response=response)
            done += 1
    return f"incident {incident_id}: {action} synced to {done} pages"
