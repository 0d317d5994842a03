"""Writes of health checks: create/edit/pause, pings, the heartbeat sweep, HTTP poll results.

Every state change goes through `_transition` inside one transaction with its flip row and, when
the check goes down or comes back up, an alert signal stored through alert intake
(`alerts.services.delivery_record`), so the incident is opened, paged and auto-resolved exactly
like any alert's. Two beats or workers never act twice on one deadline: the sweep claims rows with
`SELECT … FOR UPDATE SKIP LOCKED` and re-checks their deadline; polls are claimed with a
conditional UPDATE (`poll_token`) whose row count is checked.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q

from alerts import services as alert_services
from alerts.models import Integration, IntegrationKind
from alerts.types import AlertSignal
from checks.models import (
    ALLOWED_TRANSITIONS,
    Check,
    CheckFlip,
    CheckKind,
    CheckResult,
    CheckStatus,
    ResultKind,
)
from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.models import Service

logger = logging.getLogger(__name__)

CONFIGURE_PERMISSION = "checks.change_check"
INTEGRATION_NAME = "Firebell checks"
SWEEP_BATCH = 500
POLL_LEASE_EXTRA = timedelta(seconds=15)  # a claim outlives the request's timeout by this much
EDITABLE_FIELDS = (
    "name",
    "service",
    "period",
    "grace",
    "url",
    "interval",
    "timeout",
    "expected_status",
    "json_rule",
    "json_field",
    "json_value",
    "failures_to_alert",
    "successes_to_recover",
)


def _require_configure(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not actor.has_perm(CONFIGURE_PERMISSION):
        raise PermissionDeniedError("Only admins can create or change checks.")


# --- Configuration ---------------------------------------------------------------------------


def checks_integration_for(service: Service) -> Integration:
    """The integration of `service` that checks' alerts come in through, created on first use.

    Its intake key is never shown: checks send their signals in-process, not over HTTP."""
    existing = Integration.objects.filter(service=service, name=INTEGRATION_NAME).first()
    if existing is not None:
        return existing
    try:
        integration, _key = alert_services.integration_create(
            service=service, kind=IntegrationKind.GENERIC, name=INTEGRATION_NAME, actor=None
        )
    except ValidationError:  # created concurrently: take that one
        integration = Integration.objects.get(service=service, name=INTEGRATION_NAME)
    return integration


def _validate(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if not str(values.get("name", "")).strip():
        errors["name"] = ["Required."]
    if kind == CheckKind.HEARTBEAT:
        if values["period"] < timedelta(seconds=30):
            errors["period"] = ["At least 30 seconds."]
        if values["grace"] < timedelta(seconds=0):
            errors["grace"] = ["Must not be negative."]
    elif kind == CheckKind.HTTP:
        if not values.get("url"):
            errors["url"] = ["Required for an HTTP check."]
        if values["interval"] < timedelta(seconds=10):
            errors["interval"] = ["At least 10 seconds."]
        if not timedelta(seconds=1) <= values["timeout"] <= values["interval"]:
            errors["timeout"] = ["Between 1 second and the interval."]
        if values.get("json_rule") == "field_equals" and not values.get("json_field"):
            errors["json_field"] = ["Required when the rule compares a field."]
        for name in ("failures_to_alert", "successes_to_recover"):
            if not 1 <= int(values[name]) <= 100:
                errors[name] = ["Between 1 and 100."]
    else:
        errors["kind"] = ["Choose heartbeat or http."]
    if errors:
        field, reasons = next(iter(errors.items()))
        raise ValidationError(
            f"{field.replace('_', ' ').capitalize()}: {reasons[0]}", errors=errors
        )


def check_create(
    *, actor: AbstractBaseUser | None, name: str, kind: str, service: Service, **fields
) -> Check:
    """Create a check (state `new`). An HTTP check's first poll is placed at a random moment of
    its first interval, so a thousand checks created together do not poll in one burst."""
    _require_configure(actor)
    check = Check(name=name.strip(), kind=kind, service=service, **fields)
    _validate({**_values(check), "kind": kind})
    now = clock.now()
    check.status_changed_at = now
    if kind == CheckKind.HTTP:
        check.next_poll_at = now + check.interval * random.random()
    try:
        with transaction.atomic():
            check.integration = checks_integration_for(service)
            check.save()
    except IntegrityError:
        raise ValidationError(
            f"Service {service.slug} already has a check named {name!r}.",
            errors={"name": ["Already used for this service."]},
        ) from None
    return check


def _values(check: Check) -> dict:
    return {name: getattr(check, name) for name in EDITABLE_FIELDS}


def check_update(*, check: Check, actor: AbstractBaseUser | None, **fields) -> Check:
    """Change a check's settings; deadlines are recomputed from the last ping."""
    _require_configure(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(check, name, value)
    _validate({**_values(check), "kind": check.kind})
    if check.last_ping_at is not None:
        check.late_at = check.last_ping_at + check.period
        check.down_at = check.late_at + check.grace
    try:
        with transaction.atomic():
            if "service" in fields:
                check.integration = checks_integration_for(check.service)
            check.save()
    except IntegrityError:
        raise ValidationError(
            f"Service {check.service.slug} already has a check named {check.name!r}.",
            errors={"name": ["Already used for this service."]},
        ) from None
    return check


def check_pause(*, check: Check, actor: AbstractBaseUser | None) -> Check:
    """Stop watching; an alert that was firing resolves. A ping (heartbeat) or resume ends it."""
    _require_configure(actor)
    with transaction.atomic():
        check = Check.objects.select_for_update().get(pk=check.pk)
        if check.status == CheckStatus.PAUSED:
            return check
        _transition(check, CheckStatus.PAUSED, clock.now(), "Paused by an admin.")
        check.save()
    return check


def check_resume(*, check: Check, actor: AbstractBaseUser | None) -> Check:
    """Watch again from `new`: a heartbeat waits for its next ping, an HTTP check polls soon."""
    _require_configure(actor)
    with transaction.atomic():
        check = Check.objects.select_for_update().get(pk=check.pk)
        if check.status != CheckStatus.PAUSED:
            raise ConflictError("The check is not paused.")
        now = clock.now()
        _transition(check, CheckStatus.NEW, now, "Resumed by an admin.")
        check.late_at = check.down_at = None
        check.consecutive_failures = check.consecutive_successes = 0
        if check.kind == CheckKind.HTTP:
            check.next_poll_at = now
        check.save()
    return check


# --- The state machine -------------------------------------------------------------------------


def _transition(check: Check, new: str, now: datetime, reason: str) -> None:
    """Move `check` (locked, saved by the caller) to `new`, with its flip and alert signal."""
    old = check.status
    if new == old:
        return
    if new not in ALLOWED_TRANSITIONS[old]:
        raise ConflictError(f"A {old} check cannot become {new}.")
    check.status, check.status_changed_at = new, now
    CheckFlip.objects.create(
        health_check=check, at=now, old_status=old, new_status=new, reason=reason[:300]
    )
    if new == CheckStatus.DOWN:
        _alert_signal(check, "firing", reason)
    elif old == CheckStatus.DOWN:
        _alert_signal(check, "resolved", reason)


def _alert_signal(check: Check, status: str, reason: str) -> None:
    """Store the signal as a delivery of the check's integration (processed after commit)."""
    title = f"Check {check.name} is down"
    signal = AlertSignal(
        fingerprint=check.fingerprint,
        group_key=check.fingerprint,
        status=status,  # type: ignore[arg-type]
        title=title,
        description=reason,
        severity=None,
        source=f"firebell-check:{check.kind}",
        labels={"check": check.name, "check_kind": check.kind, "service": check.service.slug},
        raw={"check_uuid": str(check.uuid), "status": status, "reason": reason},
    )
    alert_services.delivery_record(
        integration=check.integration,
        body=json.dumps(signal.raw),
        headers={"User-Agent": "firebell-checks"},
        source_ip=None,
        signals=[signal],
    )


# --- Heartbeats ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PingAnswer:
    found: bool
    status: str = ""


def check_ping(
    *, check_uuid: uuid.UUID, kind: str, source_ip: str | None = None, body: str = ""
) -> PingAnswer:
    """Record a ping (`ping`, `start` or `fail`) for the heartbeat check with this uuid.

    A ping makes the check up (from any state, also paused) and sets its next deadlines; a fail
    signal makes it down at once; a start only records that the job started. Unknown uuid →
    `found=False` (the view answers 404)."""
    now = clock.now()
    with transaction.atomic():
        check = (
            Check.objects.select_for_update()
            .select_related("service", "integration")
            .filter(uuid=check_uuid, kind=CheckKind.HEARTBEAT)
            .first()
        )
        if check is None:
            return PingAnswer(found=False)
        message = body[:500]
        if kind == ResultKind.START:
            check.last_start_at = now
        elif kind == ResultKind.FAIL:
            if check.status != CheckStatus.DOWN:
                if check.status == CheckStatus.PAUSED:
                    _transition(check, CheckStatus.NEW, now, "Resumed by a fail signal.")
                _transition(check, CheckStatus.DOWN, now, "The job reported a failure.")
        else:
            check.last_ping_at = now
            check.late_at = now + check.period
            check.down_at = check.late_at + check.grace
            _transition(check, CheckStatus.UP, now, "Ping received.")
        check.save()
        CheckResult.objects.create(
            health_check=check,
            at=now,
            kind=kind,
            ok=kind != ResultKind.FAIL,
            message=message,
            source_ip=source_ip,
        )
    return PingAnswer(found=True, status=check.status)


def heartbeats_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Make overdue heartbeats late or down; returns how many changed. Idempotent, and safe with
    two beats at once: rows are taken with SKIP LOCKED and their deadline re-read under lock."""
    now = clock.now()
    changed = 0
    with transaction.atomic():
        due = list(
            Check.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("service", "integration")
            .filter(kind=CheckKind.HEARTBEAT, status__in=[CheckStatus.UP, CheckStatus.LATE])
            .filter(Q(down_at__lte=now) | Q(status=CheckStatus.UP, late_at__lte=now))
            .order_by("down_at")[:limit]
        )
        for check in due:
            if check.down_at and check.down_at <= now:
                reason = f"No ping since {check.last_ping_at:%Y-%m-%d %H:%M:%S} UTC."
                _transition(check, CheckStatus.DOWN, now, reason)
            else:
                _transition(check, CheckStatus.LATE, now, "The period passed without a ping.")
            changed += 1
        Check.objects.bulk_update(due, ["status", "status_changed_at"])
    return changed


# --- HTTP polls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollClaim:
    check_id: int
    token: uuid.UUID


def polls_claim_due(*, limit: int = 200) -> list[PollClaim]:
    """Claim HTTP checks whose poll is due: each gets a token and a lease, and its next poll
    time moves one interval on (from its own schedule, so polls stay spread). A check whose
    previous poll still holds a lease is skipped: never polled twice at once."""
    now = clock.now()
    claims: list[PollClaim] = []
    with transaction.atomic():
        due = list(
            Check.objects.select_for_update(skip_locked=True)
            .filter(kind=CheckKind.HTTP, next_poll_at__lte=now)
            .exclude(status=CheckStatus.PAUSED)
            .filter(Q(poll_claimed_until__isnull=True) | Q(poll_claimed_until__lt=now))
            .order_by("next_poll_at")[:limit]
        )
        for check in due:
            check.poll_token = uuid.uuid4()
            check.poll_claimed_until = now + check.timeout + POLL_LEASE_EXTRA
            following = check.next_poll_at + check.interval
            # A check far behind (workers were down) polls once now, not once per missed slot.
            check.next_poll_at = following if following > now else now + check.interval
            claims.append(PollClaim(check.pk, check.poll_token))
        Check.objects.bulk_update(due, ["poll_token", "poll_claimed_until", "next_poll_at"])
    return claims


@dataclass(frozen=True)
class PollOutcome:
    ok: bool
    status_code: int | None
    response_ms: int | None
    message: str


def poll_result_record(*, check_id: int, token: uuid.UUID, outcome: PollOutcome) -> str:
    """Record the outcome of a claimed poll and apply N-failures / M-successes; releases the
    claim. A stale token (the claim expired and another poll took over) records nothing."""
    now = clock.now()
    with transaction.atomic():
        check = (
            Check.objects.select_for_update()
            .select_related("service", "integration")
            .filter(pk=check_id, poll_token=token)
            .first()
        )
        if check is None:
            return f"check {check_id}: claim superseded, result dropped"
        CheckResult.objects.create(
            health_check=check,
            at=now,
            kind=ResultKind.SUCCESS if outcome.ok else ResultKind.FAILURE,
            ok=outcome.ok,
            status_code=outcome.status_code,
            response_ms=outcome.response_ms,
            message=outcome.message[:500],
        )
        check.poll_token = check.poll_claimed_until = None
        if check.status != CheckStatus.PAUSED:
            _apply_outcome(check, outcome, now)
        check.save()
        return f"check {check_id}: {'ok' if outcome.ok else 'failed'}, {check.status}"


def _apply_outcome(check: Check, outcome: PollOutcome, now: datetime) -> None:
    if outcome.ok:
        check.consecutive_successes += 1
        check.consecutive_failures = 0
        recovering = check.status == CheckStatus.DOWN
        if not recovering or check.consecutive_successes >= check.successes_to_recover:
            _transition(check, CheckStatus.UP, now, "The check answers as expected again.")
    else:
        check.consecutive_failures += 1
        check.consecutive_successes = 0
        if check.consecutive_failures >= check.failures_to_alert:
            _transition(check, CheckStatus.DOWN, now, outcome.message)


def results_prune(*, keep_days: int = 3) -> int:
    """Delete results older than `keep_days` (flips are kept: they are the history).

    Three days: 10,000 checks pinging every minute write 14 million results a day, and the check
    page shows only the last 50."""
    cutoff = clock.now() - timedelta(days=keep_days)
    deleted, _ = CheckResult.objects.filter(at__lt=cutoff).delete()
    return deleted


def check_delete(*, check: Check, actor: AbstractBaseUser | None) -> None:
    """Delete a check; a firing alert of it resolves first."""
    _require_configure(actor)
    with transaction.atomic():
        check = Check.objects.select_for_update().get(pk=check.pk)
        if check.status == CheckStatus.DOWN:
            _alert_signal(check, "resolved", "The check was deleted.")
        Check.objects.filter(pk=check.pk).delete()
