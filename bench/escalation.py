"""Benchmark (not a test): how long declaring and escalating N incidents takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_oncall \
        .venv/bin/python bench/escalation.py --incidents 500

Runs in a throwaway test database (`test_<name>`, created and dropped), with tasks executed
in-process and e-mail kept in memory, so it measures the engine and the database, not a
network or a broker:
1. declare N incidents (each pages level 1: step + one e-mail page, after commit);
2. one beat tick at +5 minutes performs N due level-2 steps and delivers N pages.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings_test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def run(count: int) -> None:
    from core import clock
    from incidents.models import Service, Severity, Source
    from incidents.services import incident_create
    from oncall.models import EscalationLevel, EscalationPolicy, EscalationTarget, Page
    from oncall.services import escalation_tick
    from tests.factories import UserFactory

    first, second = UserFactory(username="bench-first"), UserFactory(username="bench-second")
    policy = EscalationPolicy.objects.create(name="Bench", slug="bench")
    for position, user in ((1, first), (2, second)):
        level = EscalationLevel.objects.create(
            policy=policy, position=position, delay=timedelta(minutes=5)
        )
        EscalationTarget.objects.create(level=level, kind="user", user=user)
    service = Service.objects.create(name="Bench", slug="bench", escalation_policy=policy)
    sev1 = Severity.objects.get(rank=1)

    started = time.perf_counter()
    with clock.frozen_at(T0):
        for n in range(count):
            incident_create(
                title=f"Bench {n}", severity=sev1, actor=None, source=Source.API, services=[service]
            )
    declared = time.perf_counter() - started
    started = time.perf_counter()
    with clock.frozen_at(T0 + timedelta(minutes=5)):
        done = escalation_tick(limit=count)
    ticked = time.perf_counter() - started
    assert Page.objects.filter(status="sent").count() == 2 * count, "not every page was sent"
    print(f"database: {connection.vendor}, incidents: {count}, e-mails: {len(mail.outbox)}")
    print(f"declare + page level 1: {declared:.2f} s ({declared / count * 1000:.1f} ms/incident)")
    print(
        f"one tick, {done['steps']} level-2 steps: {ticked:.2f} s "
        f"({ticked / count * 1000:.1f} ms/step incl. delivery)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()  # in-memory e-mail
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from firebell.celery import app

    app.conf.task_always_eager = True
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.incidents)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
