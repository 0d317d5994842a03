"""Server-side timing of the browser UI with 100,000 incidents (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres firebell_ui_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_ui_bench DEBUG=0 \
        SECRET_KEY=<50 random characters> ALLOWED_HOSTS=testserver \
        .venv/bin/python bench/ui.py [--incidents 100000] [--requests 100]

Seeds once (bulk inserts: the point is the read path, not the services; the busy incident also
gets what its side panels show: an escalation, alerts, pages, updates, the user on call), tunes
garbage collection as firebell.wsgi does in each web worker, then renders the board, the list
(plain, filtered, searched, page 500), the incident page of an incident with a 500-entry timeline,
its timeline region and change watcher, and the top bar's on-call line through Django's test
Client in-process, and prints p50/p95 per screen and the number of queries each needs.
Results: docs/benchmarks.md.
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

from alerts.models import Alert, AlertStatus, Integration  # noqa: E402
from core.services import defaults_ensure  # noqa: E402
from firebell.wsgi import tune_garbage_collection  # noqa: E402
from incidents.models import (  # noqa: E402
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Service,
    Severity,
    StakeholderUpdate,
    TimelineEvent,
)
from oncall.models import (  # noqa: E402
    EscalationLevel,
    EscalationPolicy,
    EscalationState,
    EscalationStatus,
    EscalationTarget,
    Override,
    Page,
    PageStatus,
    Rotation,
    RotationParticipant,
    Schedule,
    ShiftKind,
    TargetKind,
)
from oncall.services import policy_snapshot  # noqa: E402

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


def seed_war_room(busy: Incident) -> None:
    """What a real incident page also shows: the user on call (the top bar), an escalation in
    progress, alerts, pages and stakeholder updates. Without them every side panel is empty
    and the page reads less than it does in an incident."""
    if EscalationState.objects.filter(incident=busy).exists():
        return
    responders = list(get_user_model().objects.filter(username__startswith="bench").order_by("id"))
    service = busy.services.get()
    now = timezone.now()
    schedule = Schedule.objects.create(name="Payments primary", slug="payments-primary")
    rotation = Rotation.objects.create(
        schedule=schedule,
        name="Weekly",
        shift_kind=ShiftKind.WEEKLY,
        start_date=(now - timedelta(days=30)).date(),
    )
    for position, user in enumerate(responders[:4]):
        RotationParticipant.objects.create(rotation=rotation, user=user, position=position)
    Override.objects.create(
        schedule=schedule,
        user=responders[0],
        start_at=now - timedelta(hours=1),
        end_at=now + timedelta(days=2),
    )
    policy = EscalationPolicy.objects.create(name="Payments", slug="payments", repeat=1)
    for position in range(3):
        level = EscalationLevel.objects.create(
            policy=policy, position=position, delay=timedelta(minutes=5)
        )
        EscalationTarget.objects.create(level=level, kind=TargetKind.SCHEDULE, schedule=schedule)
    EscalationState.objects.create(
        incident=busy,
        policy=policy,
        policy_snapshot=policy_snapshot(policy),
        status=EscalationStatus.ACTIVE,
        level=1,
        next_step_at=now + timedelta(minutes=4),
    )
    integration = Integration.objects.create(
        service=service,
        name="Alertmanager",
        kind="alertmanager",
        key_hash="bench" * 12,
        key_prefix="bench",
        default_severity=busy.severity,
    )
    for n in range(5):
        Alert.objects.create(
            integration=integration,
            incident=busy,
            fingerprint=f"bench-{n}",
            group_key='{}:{alertname="CheckoutErrors"}',
            title=f"CheckoutErrors on pod checkout-{n}",
            status=AlertStatus.FIRING,
            severity=busy.severity,
            labels={"alertname": "CheckoutErrors", "pod": f"checkout-{n}", "team": "payments"},
            links=[{"href": "https://grafana.example.com/d/checkout", "text": "Dashboard"}],
            first_seen_at=now - timedelta(minutes=30),
            last_seen_at=now - timedelta(minutes=n),
        )
    for level, user in enumerate(responders[:3]):
        Page.objects.create(
            incident=busy,
            level=level + 1,
            user=user,
            channel="email",
            address=f"{user.username}@example.com",
            status=PageStatus.SENT,
            due_at=now - timedelta(minutes=20 - level * 5),
            sent_at=now - timedelta(minutes=20 - level * 5),
        )
    for n in range(3):
        StakeholderUpdate.objects.create(
            incident=busy,
            body=f"Update {n + 1}: card payments in the EU fail for about 5% of customers.",
            status=busy.status,
            severity=busy.severity,
            created_by=responders[0],
        )


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
    parser.add_argument(
        "--only", default="", help="comma-separated words: measure only screens whose name has one"
    )
    args = parser.parse_args()
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    defaults_ensure()
    seed(args.incidents)
    seed_war_room(Incident.objects.get(number=args.incidents))
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
        ("incident timeline region", f"/incidents/{busy}/parts/incident_timeline/", {}),
        ("incident stamp poll", f"/incidents/{busy}/stamp/?stamp=1", {}),
        ("top bar on-call line", "/ui/topbar/oncall_status/", {"HTTP_HX_REQUEST": "true"}),
    ]
    print(f"\n{Incident.objects.count()} incidents, {args.requests} requests per screen")
    print(host_speed())
    print(f"{'screen':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    wanted = [word for word in args.only.split(",") if word]
    for name, url, headers in screens:
        if wanted and not any(word in name for word in wanted):
            continue
        p50, p95, queries = measure(client, url, args.requests, **headers)
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
