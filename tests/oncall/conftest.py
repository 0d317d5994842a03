"""The on-call test harness (GoAlert-style): a real database, the clock seam to jump time, and a
local stand-in for every channel that records what it receives. Each test must `take` every
message it expects; anything left over fails the test at teardown."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.test import TestCase

from core import clock
from incidents import services as incident_services
from incidents.models import Incident, Source
from oncall import services
from oncall.models import (
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    NotificationRule,
    Rotation,
    RotationParticipant,
    Schedule,
    TargetKind,
    Urgency,
)
from tests.concurrency import PrivateRedis
from tests.factories import ServiceFactory, UserFactory, severity
from tests.standins import fixtures

standins = fixtures.standins  # the stand-ins fixture, shared with tests/integrations
logging.getLogger("mail.log").setLevel(logging.WARNING)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def person(username: str, *, high=(("email", 0),), low=(("email", 0),)):
    """A user whose rules are exactly `high` and `low`: (channel, minutes[, address])."""
    user = UserFactory(username=username)
    for urgency, rules in ((Urgency.HIGH, high), (Urgency.LOW, low)):
        for channel, minutes, *address in rules:
            NotificationRule.objects.create(
                user=user,
                urgency=urgency,
                channel=channel,
                delay=timedelta(minutes=minutes),
                address=address[0] if address else "",
            )
    return user


def schedule_of(name: str, *people, start=None, kind="weekly", time_zone="UTC") -> Schedule:
    slug = "t-" + name.lower().replace(" ", "-")
    schedule = Schedule.objects.create(name=f"{name} rota", slug=slug, time_zone=time_zone)
    rotation = Rotation.objects.create(
        schedule=schedule,
        name="Main",
        layer=1,
        shift_kind=kind,
        start_date=start or T0.date(),
        handoff_time="09:00",
    )
    for position, user in enumerate(people):
        RotationParticipant.objects.create(rotation=rotation, user=user, position=position)
    return schedule


def policy_of(name: str, *levels, repeat: int = 0, lead: int | None = None) -> EscalationPolicy:
    """levels: (minutes of delay, [targets: user | Schedule | "#channel"])."""
    policy = EscalationPolicy.objects.create(
        name=name, slug=name.lower().replace(" ", "-"), repeat=repeat
    )
    for position, (minutes, targets) in enumerate(levels, start=1):
        level = EscalationLevel.objects.create(
            policy=policy,
            position=position,
            delay=timedelta(minutes=minutes),
            is_team_lead=position == lead,
        )
        for target in targets:
            if isinstance(target, Schedule):
                EscalationTarget.objects.create(
                    level=level, kind=TargetKind.SCHEDULE, schedule=target
                )
            elif isinstance(target, str):
                EscalationTarget.objects.create(
                    level=level, kind=TargetKind.SLACK_CHANNEL, slack_channel=target
                )
            else:
                EscalationTarget.objects.create(level=level, kind=TargetKind.USER, user=target)
    return policy


def declare(policy: EscalationPolicy, *, rank: int = 1, at: datetime = T0, **kwargs) -> Incident:
    service = ServiceFactory(
        slug=f"svc-{policy.slug}", name=f"Service {policy.slug}", escalation_policy=policy
    )
    with clock.frozen_at(at), after_commit():
        return incident_services.incident_create(
            title=kwargs.pop("title", "Checkout returns 500"),
            severity=severity(rank),
            actor=None,
            source=Source.API,
            services=[service],
            **kwargs,
        )


def after_commit():
    """Run after-commit work (queued tasks run eagerly) at the end of the block, as a commit
    would; needed with the `db` fixture, harmless with `transactional_db`."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def tick(at: datetime) -> dict[str, int]:
    with clock.frozen_at(at), after_commit():
        return services.escalation_tick()


def act(action, incident: Incident, at: datetime, **kwargs) -> Incident:
    with clock.frozen_at(at), after_commit():
        return action(incident=incident, actor=None, source=Source.API, **kwargs)


@pytest.fixture
def oncall_world(db, standins):
    """Two people in primary/secondary schedules and a manager: the runbook's example policy."""
    from core.services import defaults_ensure

    defaults_ensure()
    primary, secondary, manager = (
        person("pat-primary"),
        person("sam-secondary"),
        person("mia-manager"),
    )
    policy = policy_of(
        "Runbook",
        (5, [schedule_of("Primary", primary)]),
        (15, [schedule_of("Secondary", secondary)]),
        (15, [manager]),
        lead=3,
    )
    return {"primary": primary, "secondary": secondary, "manager": manager, "policy": policy}


@pytest.fixture
def private_redis(tmp_path) -> PrivateRedis:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port=port, directory=tmp_path)
    server.start()
    yield server
    server.stop()
