"""Server-side timing of /insights/ with 100,000 incidents and 1,000,000 timeline events
(PostgreSQL), beside a bare Django view measured in the same run.

    createdb -h 127.0.0.1 -U postgres firebell_insights_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_insights_bench DEBUG=0 \
        SECRET_KEY=<50 random characters> ALLOWED_HOSTS=testserver \
        .venv/bin/python bench/insights.py [--incidents 100000] [--requests 60]

Seeds once, in SQL (`INSERT … SELECT … FROM generate_series`, a few seconds): two years of
incidents (about 137 a day; 10% SEV-1, 20% SEV-2, 40% SEV-3, 30% SEV-4; one or two of 30
services; 95% acknowledged, all but the newest 150 resolved), ten timeline events each, one or
two pages to 20 responders each (e-mail and SMS of the same step), a post-mortem for every SEV-1
and SEV-2 and an action item for each. Then, through Django's test Client in-process (server time
only, `DEBUG=0`, garbage collection tuned as in each gunicorn worker), times after warm-up:
a bare view (`HttpResponse("ok")` through the whole middleware stack: the baseline), the
insights page for the default 12 weeks, for the whole two years, filtered, and a CSV — each
cold (figures computed on every request) and warm (figures from the cache, as for the next
viewer within FIREBELL_INSIGHTS_CACHE_SECONDS). Prints p50/p95, queries per request, the ratio
of each p95 to the baseline's, and the machine's load.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import uptime  # noqa: E402
from core.services import defaults_ensure  # noqa: E402
from firebell.wsgi import tune_garbage_collection  # noqa: E402
from incidents.models import Incident, Service, TimelineEvent  # noqa: E402
from oncall.models import Page  # noqa: E402
from postmortems.models import ActionItem, Postmortem  # noqa: E402

DAYS = 730
EVENTS_PER_INCIDENT = 10
EVENT_KINDS = [
    "incident.declared",
    "escalation.started",
    "escalation.level_paged",
    "incident.acknowledged",
    "incident.role_assigned",
    "incident.note_added",
    "incident.note_added",
    "incident.mitigated",
    "incident.resolved",
    "incident.closed",
]


def bare(request: HttpRequest) -> HttpResponse:
    """The baseline: what any request costs before a view does anything."""
    return HttpResponse("ok")


# This module is the URL configuration while measuring: the app's URLs plus the bare view.
urlpatterns = [path("bench/bare/", bare), path("", include("firebell.urls"))]


def insert_select(model: type[models.Model], values: dict[str, str], source: str) -> int:
    """INSERT INTO <model's table> (…) SELECT <values> <source>. Columns not in `values` get
    NULL, or the field's default as a parameter: the seed keeps working when a column is added."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        columns.append(f'"{column}"')
        if column in values:
            expressions.append(values[column].replace("%", "%%"))  # SQL's modulo, not a param
        elif field.null:
            expressions.append("NULL")
        elif field.has_default():
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            sys.exit(f"bench/insights.py: no value for {model.__name__}.{field.name}; add one.")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@transaction.atomic  # all or nothing: a failed seed leaves no half-seeded database
def seed(total: int) -> None:
    if Incident.objects.count() >= total:
        return
    print(f"seeding {total} incidents …", flush=True)
    started = time.perf_counter()
    responder = Group.objects.get(name="Responder")
    user_model = get_user_model()
    users = []
    for n in range(20):
        user, _ = user_model.objects.get_or_create(
            username=f"bench{n}", defaults={"first_name": "Bench", "last_name": str(n)}
        )
        user.groups.add(responder)
        users.append(user.pk)
    services = [
        Service.objects.get_or_create(slug=f"svc-{n}", defaults={"name": f"Service {n}"})[0].pk
        for n in range(30)
    ]
    severity_ids = dict(
        Incident._meta.get_field("severity").related_model.objects.values_list("rank", "id")
    )
    step = DAYS * 86400 / total
    rank = "(CASE WHEN n % 10 = 0 THEN 1 WHEN n % 10 < 3 THEN 2 WHEN n % 10 < 7 THEN 3 ELSE 4 END)"
    severity = f"(ARRAY{[severity_ids[r] for r in (1, 2, 3, 4)]})[{rank}]"
    created = f"(now() - make_interval(secs => ({total} - n) * {step}))"
    # Minutes to acknowledge and to resolve grow with the rank; hash-like spreads keep it stable.
    ack = f"make_interval(secs => 60 + (n * 7919 % 1800) * {rank})"
    resolve = f"make_interval(secs => 1800 + (n * 104729 % 14400) * {rank})"
    is_open = f"n > {total - 150}"
    insert_select(
        Incident,
        {
            "number": "n",
            "title": "'Incident ' || n",
            "summary": "'Seeded for the insights benchmark.'",
            "customer_impact": "''",
            "severity_id": severity,
            "status": f"CASE WHEN {is_open} THEN 'triggered' ELSE 'closed' END",
            "source": "'web'",
            "created_at": created,
            "updated_at": created,
            "triggered_at": created,
            "acknowledged_at": f"CASE WHEN n % 20 = 0 THEN NULL ELSE {created} + {ack} END",
            "resolved_at": f"CASE WHEN {is_open} THEN NULL ELSE {created} + {ack} + {resolve} END",
            "closed_at": f"CASE WHEN {is_open} THEN NULL ELSE {created} + {ack} + {resolve} END",
            "reopen_count": "0",
        },
        f"FROM generate_series(1::bigint, {total}) AS n",
    )
    with connection.cursor() as cursor:
        # Keep the numbering sequence (if there is one) past the seeded numbers.
        cursor.execute("SELECT to_regclass('incidents_incident_number_seq') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT setval('incidents_incident_number_seq', %s)", [total])
        through = Incident.services.through._meta.db_table
        cursor.execute(
            f"INSERT INTO {through} (incident_id, service_id) "
            f"SELECT id, (%s::int[])[1 + mod(number, 30)] FROM incidents_incident "
            f"UNION ALL SELECT id, (%s::int[])[1 + mod(number * 7 + 3, 30)] "
            f"FROM incidents_incident WHERE mod(number, 10) < 3",
            [services, services],
        )
    print(f"  incidents and services: {time.perf_counter() - started:.1f} s", flush=True)
    kinds = "ARRAY[" + ", ".join(f"'{kind}'" for kind in EVENT_KINDS) + "]"
    insert_select(
        TimelineEvent,
        {
            "incident_id": "i.id",
            "kind": f"({kinds})[k]",
            "source": "'web'",
            "message": "''",
            "data": "'{}'::jsonb",
            "created_at": "i.created_at + make_interval(mins => k)",
        },
        f"FROM incidents_incident i, generate_series(1, {EVENTS_PER_INCIDENT}) AS k",
    )
    print(f"  timeline events: {time.perf_counter() - started:.1f} s", flush=True)
    users_sql = f"(ARRAY{users})"
    insert_select(
        Page,
        {
            "incident_id": "i.id",
            "cycle": "1",
            "round": "0",
            "level": "1",
            "purpose": "'escalation'",
            "user_id": f"{users_sql}[1 + (i.number * 31 + c) % 20]",
            "channel": "(ARRAY['email', 'sms'])[c]",
            "address": "''",
            "status": "'sent'",
            "due_at": "i.triggered_at",
            "sent_at": "i.triggered_at + interval '5 seconds'",
            "attempts": "1",
            "last_error": "''",
            "provider_response": "'{}'::jsonb",
            "created_at": "i.triggered_at",
        },
        "FROM incidents_incident i, generate_series(1, 2) AS c WHERE c = 1 OR i.number % 3 = 0",
    )
    sev12 = f"i.severity_id IN ({severity_ids[1]}, {severity_ids[2]}) AND i.resolved_at IS NOT NULL"
    insert_select(
        Postmortem,
        {
            "incident_id": "i.id",
            "status": "CASE WHEN i.number % 7 = 0 THEN 'draft' ELSE 'published' END",
            "created_at": "i.resolved_at",
            "updated_at": "i.resolved_at",
            "due_at": "i.resolved_at + interval '48 hours'",
            "published_at": "CASE WHEN i.number % 7 = 0 THEN NULL "
            "ELSE i.resolved_at + make_interval(hours => (6 + i.number % 70)::int) END",
            "reopen_count": "0",
        },
        f"FROM incidents_incident i WHERE {sev12}",
    )
    insert_select(
        ActionItem,
        {
            "incident_id": "p.incident_id",
            "postmortem_id": "p.id",
            "title": "'Follow-up'",
            "owner_id": f"{users_sql}[1 + p.id % 20]",
            "priority": "'medium'",
            "status": "CASE WHEN p.id % 3 = 0 THEN 'open' ELSE 'done' END",
            "ticket_url": "''",
            "created_at": "p.created_at + interval '3 hours'",
            "updated_at": "p.created_at + interval '3 hours'",
            "completed_at": "CASE WHEN p.id % 3 = 0 THEN NULL "
            "ELSE p.created_at + make_interval(days => (1 + p.id % 20)::int) END",
        },
        "FROM postmortems_postmortem p",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)


def measure(client: Client, url: str, requests: int) -> tuple[float, float, int]:
    for _ in range(3):  # warm caches, templates and PostgreSQL's buffers
        client.get(url)
    queries: list[int] = []

    def count(execute: Any, *args: Any) -> Any:
        queries.append(1)
        return execute(*args)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    defaults_ensure()
    seed(args.incidents)
    settings.ROOT_URLCONF = __name__
    tune_garbage_collection()  # as firebell.wsgi does in each gunicorn worker
    client = Client()
    viewer = get_user_model().objects.get(username="bench0")
    viewer.groups.set([Group.objects.get(name="Viewer")])
    client.force_login(viewer)
    today = timezone.localdate()
    two_years = f"start={(today - timedelta(days=DAYS - 1)).isoformat()}&end={today.isoformat()}"
    screens = [
        ("bare Django view (baseline)", "/bench/bare/"),
        ("insights, last 12 weeks (default)", "/insights/"),
        (
            "insights, 12 weeks, SEV-1+2, 1 service",
            "/insights/?severity=1&severity=2&service=svc-3",
        ),
        ("insights, two years (all data)", f"/insights/?{two_years}"),
        ("CSV mttr-by-service, two years", f"/insights/mttr-by-service.csv?{two_years}"),
    ]
    print(
        f"\n{timezone.now():%Y-%m-%d %H:%M} UTC · {Incident.objects.count()} incidents, "
        f"{TimelineEvent.objects.count()} timeline events, {Page.objects.count()} pages, "
        f"{Postmortem.objects.count()} post-mortems, {ActionItem.objects.count()} action items; "
        f"{args.requests} requests per screen"
    )
    print(f"load: {uptime()}")
    print(f"{'screen':52} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95/base':>9}")
    baseline = None
    for name, url in screens:
        # Cold: every request computes its figures (FIREBELL_INSIGHTS_CACHE_SECONDS=0). Warm:
        # the figures of the same filters come from the cache (Redis), as for a second viewer.
        modes = [("", 0)] if url == "/bench/bare/" else [(" cold", 0), (" warm", 3600)]
        for mode, seconds in modes:
            settings.FIREBELL_INSIGHTS_CACHE_SECONDS = seconds
            cache.clear()
            p50, p95, queries = measure(client, url, args.requests)
            baseline = baseline or p95
            print(f"{name + mode:52} {p50:8.1f} {p95:8.1f} {queries:8d} {p95 / baseline:9.1f}")
    print(f"load: {uptime()}")


if __name__ == "__main__":
    main()
