"""Server-side timing of the browser UI with 100,000 incidents (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres firebell_ui_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_ui_bench DEBUG=0 \
        SECRET_KEY=<50 random characters> ALLOWED_HOSTS=testserver \
        .venv/bin/python bench/ui.py [--incidents 100000] [--requests 100]

Seeds once (bulk inserts: the point is the read path, not the services), tunes garbage
collection as firebell.wsgi does in each web worker, then renders the board, the list (plain,
filtered, searched, page 500) and the incident page of an incident with a 500-entry timeline
through Django's test Client in-process, and prints p50/p95 per screen and the number of queries
each needs. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.services import defaults_ensure  # noqa: E402
from firebell.wsgi import tune_garbage_collection  # noqa: E402
from incidents.models import (  # noqa: E402
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Service,
    Severity,
    TimelineEvent,
)

BATCH = 5_000
TITLES = ["API errors", "Slow checkout", "Login fails"]


def seed(total: int) -> None:
    if Incident.objects.count() >= total:
        return
    print(f"seeding {total} incidents …", flush=True)
    user_model = get_user_model()
    responders = []
    for n in range(20):
        user, _ = user_model.objects.get_or_create(username=f"bench{n}")
        user.groups.add(Group.objects.get(name="Responder"))
        responders.append(user)
    services = [
        Service.objects.get_or_create(slug=f"svc-{n}", defaults={"name": f"Service {n}"})[0]
        for n in range(30)
    ]
    severities = list(Severity.objects.order_by("rank"))
    commander = Role.objects.get(slug="commander")
    now = timezone.now()
    start = Incident.objects.count()
    through = Incident.services.through
    for offset in range(start, total, BATCH):
        with transaction.atomic():
            rows = []
            for n in range(offset, min(offset + BATCH, total)):
                created = now - timedelta(minutes=(total - n) * 5)
                # The newest 150 are open; the rest closed, as on a real installation.
                is_open = n >= total - 150
                status = [IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED][n % 2]
                rows.append(
                    Incident(
                        number=n + 1,
                        title=f"Incident {n + 1}: {TITLES[n % 3]}",
                        summary="Seeded for the UI benchmark.",
                        severity=severities[n % len(severities)],
                        status=status if is_open else IncidentStatus.CLOSED,
                        created_at=created,
                        triggered_at=created,
                        acknowledged_at=None if is_open and n % 2 == 0 else created,
                        closed_at=None if is_open else created + timedelta(hours=2),
                    )
                )
            made = Incident.objects.bulk_create(rows)
            through.objects.bulk_create(
                [through(incident_id=i.pk, service_id=services[i.number % 30].pk) for i in made]
            )
            RoleAssignment.objects.bulk_create(
                [
                    RoleAssignment(
                        incident=i,
                        role=commander,
                        kind="primary",
                        user=responders[i.number % 20],
                        assigned_at=i.created_at,
                    )
                    for i in made
                ]
            )
            TimelineEvent.objects.bulk_create(
                [
                    TimelineEvent(
                        incident=i, kind="incident.declared", source="web", created_at=i.created_at
                    )
                    for i in made
                ]
            )
        print(f"  {min(offset + BATCH, total)}", flush=True)
    busy = Incident.objects.get(number=total)
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                incident=busy,
                kind="incident.note_added",
                actor=responders[n % 20],
                source="web",
                message=f"Note {n}: checked the dashboards, nothing new.",
                created_at=busy.created_at + timedelta(seconds=n),
            )
            for n in range(500)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, requests: int, **headers) -> tuple[float, float, int]:
    for _ in range(5):  # warm caches, templates and PostgreSQL's buffers
        client.get(url, **headers)
    # Counted by a wrapper: the Client's request_started signal empties connection.queries.
    queries = []
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries)


def host_speed() -> str:
    """Two figures that tell a slow moment of a shared host from a slow change in our code."""
    started = time.perf_counter()
    total = 0
    for n in range(3_000_000):
        total += n
    loop = time.perf_counter() - started
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(1_000):
            cursor.execute("SELECT 1")
            cursor.fetchall()
        round_trip = (time.perf_counter() - started) / 1_000 * 1000
    return f"host: 3M-step Python loop {loop:.3f} s, SELECT 1 round trip {round_trip:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    defaults_ensure()
    seed(args.incidents)
    tune_garbage_collection()  # as firebell.wsgi does in each gunicorn worker
    user = get_user_model().objects.get(username="bench0")
    client = Client()
    client.force_login(user)
    busy = args.incidents
    screens = [
        ("board (full page)", "/", {}),
        ("board (htmx poll)", "/", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "board"}),
        ("list, page 1", "/incidents/", {}),
        ("list, page 500", "/incidents/?page=500", {}),
        ("list, SEV-1 + service", "/incidents/?severity=1&service=svc-3", {}),
        ("list, commander filter", "/incidents/?commander=bench7", {}),
        ("list, text search", "/incidents/?q=checkout", {}),
        (f"incident #{busy} (500 events)", f"/incidents/{busy}/", {}),
        ("incident timeline region", f"/incidents/{busy}/parts/incident-timeline/", {}),
        ("incident stamp poll", f"/incidents/{busy}/stamp/?stamp=1", {}),
    ]
    print(f"\n{Incident.objects.count()} incidents, {args.requests} requests per screen")
    print(host_speed())
    print(f"{'screen':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, url, headers in screens:
        p50, p95, queries = measure(client, url, args.requests, **headers)
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
