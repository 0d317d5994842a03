"""The escalation engine: start, step, stop, timers and manual actions.

The database is the source of truth. Each incident's EscalationState says which level is next
and when (`next_step_at`); the beat tick (`escalation_tick`) queues a task for whatever is due on
the paging queue (it performs nothing itself), so a lost task only delays a step until the tick
queues it again. A step locks the incident row (skipping it if
someone else holds the lock: an acknowledgement or another step), checks the state is still due,
and claims it with a conditional UPDATE on `step_token`; Page rows are unique per step and
target, so nothing is paged twice. Acknowledge/resolve lock the same incident row and stop the
escalation in their own transaction (receivers in oncall/receivers.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Max, Q, QuerySet

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.models import Incident, IncidentStatus, Source
from incidents.services import incident_unacknowledge, timeline_event_record
from oncall.models import (
    EscalationPolicy,
    EscalationState,
    EscalationStatus,
    Page,
    PagePurpose,
    PageStatus,
    Schedule,
    TargetKind,
    Urgency,
)
from oncall.selectors import schedule_oncall_user
from oncall.services.rules import notification_rules_for

logger = logging.getLogger(__name__)
RESPOND_PERMISSION = "incidents.respond_incident"
HIGH_URGENCY_MAX_RANK = 2
TICK_BATCH = 500


def _reminder_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "FIREBELL_ACK_REMINDER_MINUTES", 30))


def _lock_incident(incident_id: int, *, skip_locked: bool) -> Incident | None:
    """The incident under a row lock (PostgreSQL); None if missing or, with skip_locked, busy."""
    queryset = Incident.objects.select_related("severity")
    if connection.features.has_select_for_update:
        skip = skip_locked and connection.features.has_select_for_update_skip_locked
        queryset = queryset.select_for_update(skip_locked=skip, of=("self",))
    return queryset.filter(pk=incident_id).first()


def _requeue_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "FIREBELL_PAGE_REQUEUE_SECONDS", 15))


def _queue_step(incident_id: int, token: int) -> None:
    from oncall.tasks import escalation_step_task

    # Marked as queued, so the tick does not queue the same step again meanwhile.
    EscalationState.objects.filter(incident_id=incident_id).update(enqueued_at=clock.now())
    transaction.on_commit(lambda: escalation_step_task.delay(incident_id, token))


def _queue_deliveries(pages: list[Page], now: datetime) -> None:
    from oncall.tasks import page_deliver_task

    due = [page.pk for page in pages if page.due_at <= now]
    if due:
        Page.objects.filter(pk__in=due).update(enqueued_at=now)
        transaction.on_commit(lambda: [page_deliver_task.delay(pk) for pk in due])


def policy_for_incident(incident: Incident) -> EscalationPolicy | None:
    """The severity's policy if it has one, else the first (by name) of the services' policies."""
    if incident.severity.escalation_policy_id:
        return incident.severity.escalation_policy
    service = (
        incident.services.filter(escalation_policy__isnull=False)
        .select_related("escalation_policy")
        .order_by("name")
        .first()
    )
    return service.escalation_policy if service else None


def policy_snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    """The policy as plain data, so edits after paging started do not change this escalation."""
    levels = []
    for level in policy.levels.prefetch_related("targets"):
        targets = [
            {
                "kind": t.kind,
                "user_id": t.user_id,
                "schedule_id": t.schedule_id,
                "slack_channel": t.slack_channel,
            }
            for t in level.targets.all()
        ]
        levels.append(
            {
                "number": len(levels) + 1,
                "delay_seconds": int(level.delay.total_seconds()),
                "team_lead": level.is_team_lead,
                "targets": targets,
            }
        )
    return {"policy_id": policy.pk, "name": policy.name, "repeat": policy.repeat, "levels": levels}


def escalation_start(incident: Incident, *, paging_enabled: bool = True) -> EscalationState:
    """(Re)start paging for a triggered incident; call inside the transaction that triggered it.

    Takes a snapshot of the policy, cancels pages left from an earlier cycle, sets level 1 due
    now and queues the first step after commit. With `paging_enabled=False` (maintenance) or
    without a policy, the state is recorded as stopped and nobody is paged. Idempotent per cycle.
    """
    now = clock.now()
    policy = policy_for_incident(incident)
    snapshot = policy_snapshot(policy) if policy else {}
    state, created = EscalationState.objects.select_for_update().get_or_create(
        incident=incident, defaults={"started_at": now, "updated_at": now}
    )
    Page.objects.filter(incident=incident, status=PageStatus.PENDING).update(
        status=PageStatus.CANCELLED, last_error="Superseded by a new escalation cycle."
    )
    active = paging_enabled and bool(snapshot.get("levels"))
    state.policy, state.policy_snapshot, state.paging_enabled = policy, snapshot, paging_enabled
    state.status = EscalationStatus.ACTIVE if active else EscalationStatus.STOPPED
    state.cycle = 1 if created else state.cycle + 1
    state.round = state.level = 0
    state.step_token += 1
    state.next_step_at = now if active else None
    state.reminder_at = state.ack_timeout_at = None
    state.started_at = state.updated_at = now
    state.save()
    if active:
        _queue_step(incident.pk, state.step_token)
    # Without a policy nothing is said on the timeline (the state says it): incidents of
    # services that page nobody stay quiet.
    if policy is not None:
        kind, message = (
            ("escalation.started", f"Paging started with policy {policy}.")
            if active
            else (
                "escalation.suppressed",
                "Paging is off for this incident (maintenance)."
                if not paging_enabled
                else f"Policy {policy} has no levels: nobody is paged.",
            )
        )
        timeline_event_record(
            incident=incident,
            kind=kind,
            actor=None,
            source=Source.SYSTEM,
            message=message,
            data={"policy": snapshot.get("name"), "cycle": state.cycle},
        )
    return state


# Why paging stopped, as a person reads it (the timeline event kinds are internal codes).
STOP_REASON_WORDS = {
    "incident.acknowledged": "the incident was acknowledged",
    "incident.mitigated": "the incident was mitigated",
    "incident.resolved": "the incident was resolved",
    "incident.closed": "the incident was closed",
}


def stop_reason_words(reason: str) -> str:
    return STOP_REASON_WORDS.get(reason, "paging stopped")


def escalation_stop(incident: Incident, *, reason: str) -> EscalationState | None:
    """Stop paging (acknowledged, resolved or closed); call inside that change's transaction.

    Cancels every pending page. On acknowledgement, starts the reminder (SEV-1/SEV-2 with a
    team-lead level) and the severity's acknowledge timeout. Idempotent.
    """
    state = EscalationState.objects.select_for_update().filter(incident=incident).first()
    if state is None:
        return None
    now = clock.now()
    Page.objects.filter(incident=incident, status=PageStatus.PENDING).update(
        status=PageStatus.CANCELLED, last_error=f"Cancelled: {stop_reason_words(reason)}."
    )
    state.next_step_at = state.reminder_at = state.ack_timeout_at = None
    state.step_token += 1
    state.updated_at = now
    state.status = EscalationStatus.STOPPED
    if reason == "incident.acknowledged" and state.paging_enabled and state.policy_snapshot:
        state.status = EscalationStatus.PAUSED
        has_lead = any(level["team_lead"] for level in state.policy_snapshot.get("levels", []))
        if has_lead and incident.severity.rank <= HIGH_URGENCY_MAX_RANK:
            state.reminder_at = now + _reminder_after()
        if incident.severity.ack_timeout:
            state.ack_timeout_at = now + incident.severity.ack_timeout
    state.save()
    return state


class _Skip(Exception):
    """Raised inside a step's transaction to roll it back and report why it did nothing."""


def escalation_step(incident_id: int, *, token: int | None = None) -> str:
    """Page the next level of a triggered incident if it is due. Safe to call any number of times.

    `token` (from the task queued by the previous step) makes a superseded task exit quietly.
    Returns what happened, for the task's result and logs.
    """
    try:
        with transaction.atomic():
            return _step(incident_id, token)
    except _Skip as skip:
        if skip.args[0] == _LOCKED:
            _queue_mark_clear(incident_id)
        return f"incident {incident_id}: {skip}"


_LOCKED = "skipped, locked by another transaction or gone"


def _queue_mark_clear(incident_id: int) -> None:
    """Let the next tick queue this incident's due work again at once: the task that found the
    incident locked did nothing, and what holds the lock may not be a step."""
    EscalationState.objects.filter(incident_id=incident_id).update(enqueued_at=None)


def _step(incident_id: int, token: int | None) -> str:
    now = clock.now()
    incident = _lock_incident(incident_id, skip_locked=True)
    if incident is None:
        raise _Skip(_LOCKED)
    state = EscalationState.objects.filter(incident_id=incident_id).first()
    if state is None or (token is not None and state.step_token != token):
        raise _Skip("skipped, superseded")
    if (
        state.status != EscalationStatus.ACTIVE
        or not state.next_step_at
        or state.next_step_at > now
    ):
        raise _Skip("skipped, not due")
    if incident.status != IncidentStatus.TRIGGERED:
        raise _Skip(f"skipped, incident is {incident.status}")
    levels = state.policy_snapshot["levels"]
    level = levels[state.level]
    next_level, next_round = state.level + 1, state.round
    if next_level >= len(levels):
        next_level, next_round = 0, state.round + 1
    exhausted = next_round > state.policy_snapshot.get("repeat", 0)
    claimed = EscalationState.objects.filter(pk=state.pk, step_token=state.step_token).update(
        level=next_level,
        round=next_round,
        step_token=F("step_token") + 1,
        status=EscalationStatus.EXHAUSTED if exhausted else EscalationStatus.ACTIVE,
        next_step_at=None if exhausted else now + timedelta(seconds=level["delay_seconds"]),
        enqueued_at=None,
        updated_at=now,
    )
    if claimed != 1:
        raise _Skip("skipped, claimed by another step")
    pages, notes = _page_targets(
        incident,
        level["targets"],
        cycle=state.cycle,
        round=state.round,
        level=level["number"],
        purpose=PagePurpose.ESCALATION,
        now=now,
    )
    _queue_deliveries(pages, now)
    timeline_event_record(
        incident=incident,
        kind="escalation.level_paged",
        actor=None,
        source=Source.SYSTEM,
        message=f"Paged level {level['number']} (round {state.round + 1}): "
        f"{', '.join(notes) or 'nobody'}",
        data={"level": level["number"], "round": state.round, "pages": [p.pk for p in pages]},
    )
    if exhausted:
        return f"incident {incident_id}: paged level {level['number']}, policy exhausted"
    return f"incident {incident_id}: paged level {level['number']} ({len(pages)} pages)"


def _page_targets(
    incident: Incident,
    targets: list[dict[str, Any]],
    *,
    cycle: int,
    round: int,
    level: int,
    purpose: str,
    now: datetime,
) -> tuple[list[Page], list[str]]:
    """Create the Page rows for `targets` (people by their rules, Slack channels as posts)."""
    urgency = Urgency.HIGH if incident.severity.rank <= HIGH_URGENCY_MAX_RANK else Urgency.LOW
    users: dict[int, AbstractBaseUser] = {}
    notes: list[str] = []
    pages: list[Page] = []
    common = {
        "incident": incident,
        "cycle": cycle,
        "round": round,
        "level": level,
        "purpose": purpose,
        "created_at": now,
    }
    for target in targets:
        if target["kind"] == TargetKind.USER:
            user = get_user_model().objects.filter(pk=target["user_id"], is_active=True).first()
        elif target["kind"] == TargetKind.SCHEDULE:
            schedule = Schedule.objects.filter(pk=target["schedule_id"]).first()
            user = schedule_oncall_user(schedule, at=now) if schedule else None
            if user is None:
                notes.append(f"nobody on call for {schedule or 'a deleted schedule'}")
        else:
            pages.append(
                Page(**common, channel="slack", address=target["slack_channel"], due_at=now)
            )
            notes.append(target["slack_channel"])
            continue
        if user is not None and user.pk not in users:
            users[user.pk] = user
            notes.append(user.get_username())
    for user in users.values():
        for rule in notification_rules_for(user, urgency):
            pages.append(
                Page(
                    **common,
                    user=user,
                    rule=rule,
                    channel=rule.channel,
                    address=rule.address,
                    due_at=now + rule.delay,
                )
            )
    return Page.objects.bulk_create(pages), notes


def escalation_remind(incident_id: int) -> str:
    """Page the team-lead level once when a SEV-1/SEV-2 stays acknowledged but unresolved."""
    with transaction.atomic():
        now = clock.now()
        incident = _lock_incident(incident_id, skip_locked=True)
        if incident is None:
            transaction.on_commit(lambda: _queue_mark_clear(incident_id))
            return f"incident {incident_id}: reminder {_LOCKED}"
        state = EscalationState.objects.filter(incident_id=incident_id).first()
        if state is None or not state.reminder_at or state.reminder_at > now:
            return f"incident {incident_id}: reminder skipped, not due"
        if (
            EscalationState.objects.filter(pk=state.pk, reminder_at=state.reminder_at).update(
                reminder_at=None, enqueued_at=None, updated_at=now
            )
            != 1
        ):
            return f"incident {incident_id}: reminder skipped, claimed elsewhere"
        if incident.status not in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED):
            return f"incident {incident_id}: reminder skipped, incident is {incident.status}"
        lead = next(lvl for lvl in state.policy_snapshot["levels"] if lvl["team_lead"])
        pages, notes = _page_targets(
            incident,
            lead["targets"],
            cycle=state.cycle,
            round=0,
            level=lead["number"],
            purpose=PagePurpose.REMINDER,
            now=now,
        )
        _queue_deliveries(pages, now)
        minutes = int(_reminder_after().total_seconds() // 60)
        timeline_event_record(
            incident=incident,
            kind="escalation.reminder_sent",
            actor=None,
            source=Source.SYSTEM,
            message=f"Acknowledged but unresolved for {minutes} minutes; reminded "
            f"{', '.join(notes) or 'nobody'}.",
            data={"level": lead["number"], "pages": [p.pk for p in pages]},
        )
        return f"incident {incident_id}: reminded level {lead['number']}"


def escalation_ack_timeout(incident_id: int) -> str:
    """Return an acknowledged incident to triggered when its acknowledgement timed out."""
    with transaction.atomic():
        now = clock.now()
        incident = _lock_incident(incident_id, skip_locked=True)
        if incident is None:
            transaction.on_commit(lambda: _queue_mark_clear(incident_id))
            return f"incident {incident_id}: ack timeout {_LOCKED}"
        state = EscalationState.objects.filter(incident_id=incident_id).first()
        if state is None or not state.ack_timeout_at or state.ack_timeout_at > now:
            return f"incident {incident_id}: ack timeout skipped, not due"
        if (
            EscalationState.objects.filter(pk=state.pk, ack_timeout_at=state.ack_timeout_at).update(
                ack_timeout_at=None, enqueued_at=None, updated_at=now
            )
            != 1
        ):
            return f"incident {incident_id}: ack timeout skipped, claimed elsewhere"
        if incident.status != IncidentStatus.ACKNOWLEDGED:
            return f"incident {incident_id}: ack timeout skipped, incident is {incident.status}"
        # The `incident.unacknowledged` event restarts escalation (receiver → escalation_start).
        incident_unacknowledge(incident=incident)
        return f"incident {incident_id}: acknowledgement timed out, escalation restarted"


def escalation_tick(*, limit: int = TICK_BATCH) -> dict[str, int]:
    """Queue a task for every escalation step, reminder and acknowledge timeout that is due, and
    for every due page; perform none of them here (a slow step never delays the next tick).

    Run by beat every second. Safe in several processes at once (two beats): each state's queue
    mark is claimed with a conditional UPDATE, so of two ticks exactly one queues a given step,
    and the step itself is claimed by its token. A queued task that never ran (lost with the
    broker or a killed worker) is queued again once its mark is stale, backing off like pages.
    Returns how many of each were queued.
    """
    from oncall.services.delivery import pages_enqueue_due
    from oncall.tasks import (
        escalation_ack_timeout_task,
        escalation_remind_task,
        escalation_step_task,
    )

    now = clock.now()
    states = EscalationState.objects.order_by()
    steps = states.filter(status=EscalationStatus.ACTIVE, next_step_at__lte=now)
    return {
        "steps": _enqueue_due(
            steps, "next_step_at", lambda s: escalation_step_task.delay(s[0], s[1]), now, limit
        ),
        "reminders": _enqueue_due(
            states.filter(reminder_at__lte=now),
            "reminder_at",
            lambda s: escalation_remind_task.delay(s[0]),
            now,
            limit,
        ),
        "ack_timeouts": _enqueue_due(
            states.filter(ack_timeout_at__lte=now),
            "ack_timeout_at",
            lambda s: escalation_ack_timeout_task.delay(s[0]),
            now,
            limit,
        ),
        "deliveries": pages_enqueue_due(limit=limit),
    }


# Held (in the shared cache) while a tick runs: a tick slower than its interval — seconds on a
# saturated host — would otherwise overlap the next one, and two ticks on the same rows take two
# paging processes for the work of one. Expires by itself if its holder dies.
TICK_RUNNING_KEY = "oncall:escalation-tick-running"
TICK_RUNNING_SECONDS = 60


def escalation_tick_alone(*, limit: int = TICK_BATCH) -> dict[str, int] | None:
    """`escalation_tick`, unless another tick is still running (then None: the next one, a
    second later, picks up whatever this one would have found)."""
    if not cache.add(TICK_RUNNING_KEY, clock.now().isoformat(), TICK_RUNNING_SECONDS):
        return None
    try:
        return escalation_tick(limit=limit)
    finally:
        cache.delete(TICK_RUNNING_KEY)


def _enqueue_due(
    due: QuerySet[EscalationState], due_field: str, send, now: datetime, limit: int
) -> int:
    """Claim the queue mark of each due state in `due` (oldest due first) and `send` its task:
    `send((incident_id, step_token))`. A mark younger than FIREBELL_PAGE_REQUEUE_SECONDS, or
    younger than half the time the work has been due (a backlog, not a lost task), is left."""
    stale = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - _requeue_after())
    candidates = (
        due.filter(stale)
        .order_by(due_field)
        .values_list("pk", "incident_id", "step_token", "enqueued_at", due_field)
    )
    queued = 0
    for pk, incident_id, token, enqueued_at, due_at in candidates[: limit * 4]:
        if queued >= limit:
            break
        if enqueued_at is not None and now - enqueued_at < (now - due_at) / 2:
            continue  # backing off
        if EscalationState.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
            send((incident_id, token))
            queued += 1
    return queued


# --- Manual actions ----------------------------------------------------------------------------


def _require_respond(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not actor.has_perm(RESPOND_PERMISSION):
        raise PermissionDeniedError("You do not have permission to page people.")


def escalation_escalate_now(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str
) -> EscalationState:
    """Page the next level now instead of waiting for the delay. Raises ConflictError unless
    the incident is triggered and its escalation still has a level to page."""
    _require_respond(actor)
    with transaction.atomic():
        locked = _lock_incident(incident.pk, skip_locked=False)
        state = EscalationState.objects.select_for_update().filter(incident=locked).first()
        if locked.status != IncidentStatus.TRIGGERED or state is None:
            raise ConflictError(f"Incident #{locked.number} is not being escalated.")
        if state.status != EscalationStatus.ACTIVE:
            raise ConflictError(f"Incident #{locked.number} has no further level to page.")
        state.next_step_at, state.updated_at = clock.now(), clock.now()
        state.step_token += 1
        state.save(update_fields=["next_step_at", "step_token", "updated_at"])
        _queue_step(locked.pk, state.step_token)
        timeline_event_record(
            incident=locked,
            kind="escalation.escalated_manually",
            actor=actor,
            source=source,
            message=f"Escalated to level {state.level + 1} now.",
        )
    return state


def escalation_reassign(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    source: str,
    user: AbstractBaseUser | None = None,
    schedule: Schedule | None = None,
) -> EscalationState:
    """Replace the escalation of a triggered incident by one level: `user` or `schedule`'s
    on-call person, paged now (a new cycle). Raises ValidationError unless exactly one is given."""
    _require_respond(actor)
    if (user is None) == (schedule is None):
        raise ValidationError("Reassign to a person or to a schedule.")
    target = (
        {"kind": TargetKind.USER, "user_id": user.pk, "schedule_id": None, "slack_channel": ""}
        if user
        else {
            "kind": TargetKind.SCHEDULE,
            "user_id": None,
            "schedule_id": schedule.pk,
            "slack_channel": "",
        }
    )
    with transaction.atomic():
        locked = _lock_incident(incident.pk, skip_locked=False)
        if locked.status != IncidentStatus.TRIGGERED:
            raise ConflictError(
                f"Incident #{locked.number} is {locked.status}; only a triggered incident can be "
                "reassigned."
            )
        state = escalation_start(locked)
        state.policy = None
        state.policy_snapshot = {
            "policy_id": None,
            "name": f"Reassigned to {user.get_username() if user else schedule}",
            "repeat": 0,
            "levels": [
                {"number": 1, "delay_seconds": 300, "team_lead": False, "targets": [target]}
            ],
        }
        state.status, state.next_step_at = EscalationStatus.ACTIVE, clock.now()
        state.step_token += 1
        state.save()
        _queue_step(locked.pk, state.step_token)
        timeline_event_record(
            incident=locked,
            kind="escalation.reassigned",
            actor=actor,
            source=source,
            message=state.policy_snapshot["name"],
            data={"target": target},
        )
    return state


def page_extra_responder(
    *, incident: Incident, user: AbstractBaseUser, actor: AbstractBaseUser | None, source: str
) -> list[Page]:
    """Page `user` now by their rules, outside the policy; escalation is unaffected."""
    _require_respond(actor)
    with transaction.atomic():
        now = clock.now()
        locked = _lock_incident(incident.pk, skip_locked=False)
        if not locked.is_open:
            raise ConflictError(f"Incident #{locked.number} is {locked.status}; nobody is paged.")
        state = EscalationState.objects.filter(incident=locked).first()
        previous = Page.objects.filter(incident=locked, purpose=PagePurpose.MANUAL).aggregate(
            top=Max("round")
        )["top"]
        target = {"kind": TargetKind.USER, "user_id": user.pk}
        pages, _ = _page_targets(
            locked,
            [target],
            cycle=state.cycle if state else 0,
            round=0 if previous is None else previous + 1,
            level=0,
            purpose=PagePurpose.MANUAL,
            now=now,
        )
        _queue_deliveries(pages, now)
        timeline_event_record(
            incident=locked,
            kind="escalation.responder_paged",
            actor=actor,
            source=source,
            message=f"Paged {user.get_username()}.",
            data={"user": user.get_username()},
        )
    return pages
