"""Moderation speed (issue 15) on PostgreSQL: the queue page with 100,000 open items, report
intake in batches of 500 through the API, and a bulk decision on 500 items — each beside a bare
Django view (`/healthz`) measured in the same run.

    createdb -h 127.0.0.1 -U postgres firebell_mod_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firebell_mod_bench DEBUG=0 \
        SECRET_KEY=<50 random characters> ALLOWED_HOSTS=testserver \
        .venv/bin/python bench/moderation.py [--items 100000] [--requests 100] [--batches 10]

Targets: queue page p95 < 100 ms, intake ≥ 500 reports/s in batches, bulk 500 items < 2 s.
Seeds once with bulk inserts (the point is the read path); intake and bulk go through the real
services (intake through the REST API view, with JSON parsing, validation, folding and waves).
In-process (Django's test Client), so the figures are server time without network or gunicorn.
Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
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

from bench.common import percentile, uptime  # noqa: E402
from core.services import defaults_ensure  # noqa: E402
from firebell.wsgi import tune_garbage_collection  # noqa: E402
from moderation.models import Category, CategoryRule, Item, PlatformUser, Policy, Queue  # noqa: E402
from moderation.services.decisions import DecisionTerms, items_decide_bulk  # noqa: E402

BATCH = 5_000
CATEGORIES = list(Category.values)


def seed(total: int) -> None:
    """`total` open items spread over the queues (most in General), 5,000 users."""
    have = Item.objects.filter(status="open").count()
    if have >= total:
        return
    print(f"seeding {total - have} open items …", flush=True)
    now = timezone.now()
    PlatformUser.objects.bulk_create(
        [
            PlatformUser(external_id=f"bench-u{n}", display_name=f"User {n}", first_seen_at=now)
            for n in range(5_000)
        ],
        ignore_conflicts=True,
    )
    users = list(PlatformUser.objects.filter(external_id__startswith="bench-u").order_by("pk"))
    rules = {rule.category: rule for rule in CategoryRule.objects.all()}
    queues = list(Queue.objects.order_by("position"))
    urgent = {"child_safety", "violence", "self_harm"}
    for offset in range(have, total, BATCH):
        rows = []
        for n in range(offset, min(offset + BATCH, total)):
            # A realistic mix: mostly spam and harassment, a few urgent ones.
            category = CATEGORIES[[7, 7, 7, 4, 4, 3, 6, 5, 8, 0, 1, 2][n % 12]]
            created = now - timedelta(minutes=(total - n) % 10_000)
            rows.append(
                Item(
                    content_type=["post", "comment", "profile"][n % 3],
                    content_id=f"bench-{n}",
                    url=f"https://platform.example/c/{n}",
                    excerpt=f"Seeded content number {n}: buy cheap watches at example.com",
                    user=users[n % len(users)],
                    category=category,
                    weight=rules[category].weight,
                    report_count=1 + n % 7,
                    queue=queues[0] if category in urgent else queues[-1],
                    created_at=created,
                    last_reported_at=created,
                    due_at=created + timedelta(minutes=rules[category].response_target_minutes),
                )
            )
        with transaction.atomic():
            Item.objects.bulk_create(rows)
        print(f"  {min(offset + BATCH, total)}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client: Client, url: str, requests: int) -> tuple[float, float, int]:
    for _ in range(5):
        client.get(url)
    queries = []
    with connection.execute_wrapper(lambda execute, *a: queries.append(1) or execute(*a)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), percentile(timings, 0.95), len(queries)


def intake(client: Client, batches: int, run: int) -> tuple[float, float]:
    """Post `batches` batches of 500 reports; return (reports per second, ms per batch p95)."""
    timings = []
    for b in range(batches):
        reports = [
            {
                "report_id": f"run{run}-b{b}-{n}",
                "content_type": "post",
                # Every third report folds into an item of the same batch.
                "content_id": f"run{run}-b{b}-c{n - n % 3}",
                "user_id": f"bench-u{(b * 500 + n) % 5000}",
                "reporter_id": f"reporter-{n}",
                "category": ["spam", "harassment", "hate", "copyright"][n % 4],
                "excerpt": "Reported text " * 10,
                "url": f"https://platform.example/p/{n}",
            }
            for n in range(500)
        ]
        body = json.dumps({"reports": reports})
        started = time.perf_counter()
        response = client.post("/api/v1/moderation/reports/", body, content_type="application/json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:300]
    total = sum(timings)
    return batches * 500 / total, percentile(sorted(timings), 0.95) * 1000


def bulk(moderator, rounds: int) -> list[float]:
    policy = Policy.objects.get(slug="spam")
    seconds = []
    queue = Queue.objects.order_by("position").last()
    for _ in range(rounds):
        ids = list(
            Item.objects.filter(status="open", queue=queue, category="spam", claimed_by=None)
            .order_by("pk")
            .values_list("pk", flat=True)[:500]
        )
        started = time.perf_counter()
        result = items_decide_bulk(
            item_ids=ids,
            actor=moderator,
            source="bench",
            terms=DecisionTerms("remove", reason="Spam run", policy=policy),
        )
        seconds.append(time.perf_counter() - started)
        assert len(result.changed) == 500, result.skipped[:3]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    call_command("migrate", verbosity=0)
    defaults_ensure()
    seed(args.items)
    tune_garbage_collection()
    moderator, _ = get_user_model().objects.get_or_create(username="bench-moderator")
    moderator.groups.add(Group.objects.get(name="Moderator"))
    moderator = get_user_model().objects.get(pk=moderator.pk)
    client = Client()
    client.force_login(moderator)
    run = int(time.time())
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load: {uptime()}")
    print(
        f"{Item.objects.filter(status='open').count()} open items, "
        f"{args.requests} requests per page\n"
    )
    print(f"{'what':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95 / bare':>11}")
    _, bare95, _ = timed(client, "/healthz", args.requests)
    pages = [
        ("bare view /healthz (baseline)", "/healthz"),
        ("queue page (General, page 1)", "/moderation/queues/general/"),
        ("queue page, filter category=spam", "/moderation/queues/general/?category=spam"),
        ("queue page, filter one user", "/moderation/queues/general/?user_id=bench-u42"),
        ("queue page, page 200", "/moderation/queues/general/?page=200"),
        ("queues overview", "/moderation/"),
    ]
    for name, url in pages:
        p50, p95, queries = timed(client, url, args.requests)
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {queries:8d} {p95 / bare95:10.1f}x")
    per_second, batch95 = intake(client, args.batches, run)
    print(
        f"\nintake: {args.batches} batches of 500 reports through the API view: "
        f"{per_second:.0f} reports/s (p95 {batch95:.0f} ms per batch; "
        f"{batch95 / bare95:.0f}x the bare view's p95)"
    )
    seconds = bulk(moderator, 3)
    print(
        f"bulk remove of 500 items, 3 rounds: {', '.join(f'{s:.2f} s' for s in seconds)} "
        f"(best {min(seconds):.2f} s; {min(seconds) * 1000 / bare95:.0f}x the bare view's p95)"
    )
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
