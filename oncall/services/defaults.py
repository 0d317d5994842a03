"""Seed data for a new installation: the example escalation policy from the runbook."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from core.services import group_permissions_grant
from oncall.models import (
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    Rotation,
    Schedule,
    ShiftKind,
    TargetKind,
)


def defaults_ensure_oncall() -> None:
    """Seed primary/secondary schedules and the default policy (primary on-call → 5 min →
    secondary → 15 min → engineering manager, the team-lead level) when no policy exists yet,
    and give the groups their share of on-call permissions (responders may cover a shift;
    deleting overrides stays with admins). Registered with core in oncall.apps.

    Idempotent and never overwrites: once an admin has any policy, nothing is seeded. The
    schedules start without participants and the last level without a person: admins fill them.
    """
    group_permissions_grant("oncall", responder=["add_override"])
    with transaction.atomic():
        if EscalationPolicy.objects.exists():
            return
        schedules = []
        for slug, name in (("primary", "Primary on-call"), ("secondary", "Secondary on-call")):
            schedule, _ = Schedule.objects.get_or_create(slug=slug, defaults={"name": name})
            Rotation.objects.get_or_create(
                schedule=schedule,
                layer=1,
                defaults={
                    "name": "Weekly",
                    "shift_kind": ShiftKind.WEEKLY,
                    "start_date": date(2026, 1, 5),
                },
            )
            schedules.append(schedule)
        policy = EscalationPolicy.objects.create(
            name="Default",
            slug="default",
            description="Primary on-call, then secondary after 5 minutes, then the engineering "
            "manager after 15 more. Add the manager to level 3.",
        )
        delays = [timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=15)]
        for position, delay in enumerate(delays, start=1):
            level = EscalationLevel.objects.create(
                policy=policy, position=position, delay=delay, is_team_lead=position == 3
            )
            if position <= 2:
                EscalationTarget.objects.create(
                    level=level, kind=TargetKind.SCHEDULE, schedule=schedules[position - 1]
                )
