"""Benchmark (not a test): health checks at scale and the public status page.

    .venv/bin/python bench/checks.py [--heartbeats 10000] [--http 1000] [--missed 100]
        [--pingers 4] [--only checks,statuspage] [--requests 200]

Creates a throwaway PostgreSQL database (`--database`, default firebell_checks_bench on
postgres://postgres@127.0.0.1:5432; dropped and re-created, never one of the project's own),
migrates it, and runs in this one process (Celery eager: queued tasks run inline, as a worker
would run them), cache in Redis db 8:

1. **Checks** — `--heartbeats` heartbeat checks (period 60 s, grace 30 s) and `--http` HTTP
   checks (interval 60 s, timeout 5 s) against a local threaded HTTP server, for `--minutes`
   (default 3) of real time. `--pingers` processes ping every heartbeat once a minute through
   the ping view (Django test client: URL routing, the view, the service, PostgreSQL), spread
   over the minute; `--missed` of them stop after the first ping. Beat is a thread calling the
   same tasks as beat's schedule: `heartbeats_sweep_task` every 2 s and `polls_dispatch_task`
   every 1 s, whose claimed polls run on a pool of 8 threads (the workers). Reports: ping
   p50/p95 ms, each missed check's detection lateness (flip to down, and its incident opened,
   after last ping + period + grace; target ≤ 10 s), polls per minute, poll lateness after their
   scheduled time, and the largest number of polls of one check in flight at once (must be 1).
2. **Status page** — 50 components in 5 groups linked to 50 services with 90 days of incidents
   (about 6 a day) and 20 maintenance windows; p50/p95 of `/status/` from the cache and
   uncached (cache cleared before each request), beside a bare Django view (`HttpResponse("ok")`
   through the same middleware) measured in the same run, as ratios. Targets: cached p95 < 20 ms,
   uncached p95 < 100 ms.

Prints the load average (`uptime`): the machine is shared, figures are noisy. Results:
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_create, percentile, production_environment, uptime  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"


def setup(database: str) -> None:
    database_create(SERVER, database)
    production_environment(
        database_url=f"{SERVER}/{database}",
        broker="redis://127.0.0.1:6379/8",
        cache="redis://127.0.0.1:6379/8",
        CELERY_TASK_ALWAYS_EAGER="1",
        ALLOWED_HOSTS="testserver,127.0.0.1",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.services import defaults_ensure

    defaults_ensure()


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p50, p95 = percentile(ordered, 0.5) * 1000, percentile(ordered, 0.95) * 1000
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


# --- 1. checks -----------------------------------------------------------------------------------


class Health:
    """A local health endpoint; counts polls in flight per check path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.most_at_once = 0
        self.requests = 0
        health = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with health.lock:
                    health.in_flight[self.path] += 1
                    health.most_at_once = max(health.most_at_once, health.in_flight[self.path])
                    health.requests += 1
                body = b'{"status": "healthy", "components": {"db": "healthy"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with health.lock:
                    health.in_flight[self.path] -= 1

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def seed_checks(heartbeats: int, http: int, health: Health) -> list:
    from checks import services
    from checks.models import Check, CheckKind
    from core import clock
    from incidents.models import Service

    services_ = [
        Service.objects.get_or_create(slug=f"svc-{n}", defaults={"name": f"Service {n}"})[0]
        for n in range(50)
    ]
    integrations = {s.pk: services.checks_integration_for(s) for s in services_}
    now = clock.now()
    rows = [
        Check(
            name=f"hb-{n}",
            kind=CheckKind.HEARTBEAT,
            service=services_[n % 50],
            integration=integrations[services_[n % 50].pk],
            period=timedelta(seconds=60),
            grace=timedelta(seconds=30),
        )
        for n in range(heartbeats)
    ]
    rows += [
        Check(
            name=f"http-{n}",
            kind=CheckKind.HTTP,
            service=services_[n % 50],
            integration=integrations[services_[n % 50].pk],
            url=f"{health.base}/c{n}",
            interval=timedelta(seconds=60),
            timeout=timedelta(seconds=5),
            next_poll_at=now + timedelta(seconds=60 * random.random()),
        )
        for n in range(http)
    ]
    Check.objects.bulk_create(rows, batch_size=2000)
    return list(Check.objects.filter(kind=CheckKind.HEARTBEAT).values_list("pk", "uuid"))


def run_checks(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client

    from checks import tasks
    from checks.models import Check, CheckFlip, CheckKind, CheckResult
    from incidents.models import Incident

    health = Health()
    heartbeats = seed_checks(args.heartbeats, args.http, health)
    missed = {uuid for _pk, uuid in random.sample(heartbeats, args.missed)}
    print(f"seeded {args.heartbeats} heartbeat + {args.http} HTTP checks; {uptime()}", flush=True)
    stop = threading.Event()
    ping_times: list[float] = []
    poll_lateness: list[float] = []
    errors: list[str] = []

    order = list(heartbeats)
    random.shuffle(order)  # once: each check is then pinged every 60 s exactly
    started = time.monotonic() + 1

    def pinger(worker: int, results) -> None:
        """One of `--pingers` processes: pings its share of the checks on their schedule."""
        from django.db import connection as own_connection

        client = Client()
        spacing = 60 / len(order)
        times, lag, failed = [], 0.0, 0
        minute = 0
        while time.monotonic() < started + args.minutes * 60:
            for index in range(worker, len(order), args.pingers):
                _pk, uuid = order[index]
                if minute > 0 and uuid in missed:
                    continue
                due = started + minute * 60 + index * spacing
                # At the end of the run, stop: pings still owed are counted as not sent.
                if max(due, time.monotonic()) > started + args.minutes * 60:
                    break
                if (delay := due - time.monotonic()) > 0:
                    time.sleep(delay)
                lag = max(lag, time.monotonic() - due)
                t0 = time.perf_counter()
                failed += client.get(f"/ping/{uuid}").status_code != 200
                times.append(time.perf_counter() - t0)
            minute += 1
        own_connection.close()
        results.put((times, lag, failed))

    import multiprocessing

    connection.close()  # forked children must not share this process's connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    pingers = [context.Process(target=pinger, args=(n, results)) for n in range(args.pingers)]
    for process in pingers:
        process.start()

    pool = ThreadPoolExecutor(max_workers=8)

    def poll(claim) -> None:
        from checks.models import Check as CheckModel
        from core import clock

        scheduled = CheckModel.objects.filter(pk=claim.check_id).values_list(
            "next_poll_at", flat=True
        )[0]
        # The claim moved next_poll_at one interval on: the slot it claimed was one interval before.
        poll_lateness.append((clock.now() - (scheduled - timedelta(seconds=60))).total_seconds())
        tasks.check_poll_task(claim.check_id, str(claim.token))
        connection.close()

    def beat() -> None:
        from checks import services

        last_sweep = 0.0
        while not stop.is_set():
            tick = time.monotonic()
            for claim in services.polls_claim_due(limit=500):
                pool.submit(poll, claim)
            if tick - last_sweep >= 2:
                tasks.heartbeats_sweep_task()
                last_sweep = tick
            time.sleep(max(0.0, 1 - (time.monotonic() - tick)))
        connection.close()

    threads = [threading.Thread(target=beat)]
    beat_started = time.monotonic()
    for thread in threads:
        thread.start()
    max_lag = 0.0
    for _ in pingers:
        times, lag, failed = results.get()
        ping_times.extend(times)
        max_lag = max(max_lag, lag)
        errors.extend(["ping"] * failed)
    for process in pingers:
        process.join()
    time.sleep(30)  # let the last deadlines pass and be swept
    stop.set()
    for thread in threads:
        thread.join()
    pool.shutdown(wait=True)
    minutes = (time.monotonic() - beat_started) / 60

    wanted = args.heartbeats * args.minutes - args.missed * (args.minutes - 1)
    print(
        f"pings: {len(ping_times)} of about {wanted:.0f} scheduled by {args.pingers} processes "
        f"({len(ping_times) / (args.minutes * 60):.0f}/s; {ms(ping_times)}), errors "
        f"{len(errors)}; the pingers fell behind their schedule by up to {max_lag:.1f} s"
    )
    late = []
    missing = 0
    for check in Check.objects.filter(uuid__in=missed, last_ping_at__isnull=False):
        deadline = check.last_ping_at + check.period + check.grace
        flip = CheckFlip.objects.filter(health_check=check, new_status="down").first()
        if flip is None:
            missing += 1
            continue
        incident = Incident.objects.filter(alerts__fingerprint=check.fingerprint).first()
        opened = incident.created_at if incident else None
        late.append(
            (
                (flip.at - deadline).total_seconds(),
                (opened - deadline).total_seconds() if opened else None,
            )
        )
    flips = sorted(x for x, _ in late)
    opened = sorted(y for _, y in late if y is not None)
    if flips:
        print(
            f"missed heartbeats: {len(flips)} detected, {missing} not; down after the deadline "
            f"max {flips[-1]:.1f} s (p50 {percentile(flips, 0.5):.1f}); incident opened after the "
            f"deadline max {opened[-1] if opened else float('nan'):.1f} s; target ≤ 10 s"
        )
    wrongly_down = (
        CheckFlip.objects.filter(new_status="down").exclude(health_check__uuid__in=missed).count()
    )
    print(f"checks that pinged on time but went down: {wrongly_down}")
    results = CheckResult.objects.filter(health_check__kind=CheckKind.HTTP).count()
    lateness = sorted(poll_lateness)
    if lateness:
        print(
            f"HTTP polls: {results} in {minutes:.1f} min ({results / minutes:.0f}/min for "
            f"{args.http} checks); lateness p50 {percentile(lateness, 0.5):.2f} s, p95 "
            f"{percentile(lateness, 0.95):.2f} s, max {lateness[-1]:.2f} s; one check's polls in "
            f"flight at once, most: {health.most_at_once}"
        )
    print(uptime(), flush=True)


# --- 2. status page ------------------------------------------------------------------------------


def seed_statuspage() -> None:
    from core import clock
    from incidents.models import Incident, IncidentStatus, Service, Severity
    from statuspage.models import Component, ComponentGroup, Maintenance

    services_ = [
        Service.objects.get_or_create(slug=f"svc-{n}", defaults={"name": f"Service {n}"})[0]
        for n in range(50)
    ]
    groups = [ComponentGroup.objects.create(name=f"Group {n}", order=n) for n in range(5)]
    components = []
    for n in range(50):
        component = Component.objects.create(
            name=f"Component {n}", group=groups[n % 5], description="Seeded for the benchmark."
        )
        component.services.add(services_[n])
        components.append(component)
    now = clock.now()
    severities = list(Severity.objects.order_by("rank"))
    start = (Incident.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    rows, links = [], []
    for n in range(90 * 6):
        begin = now - timedelta(minutes=random.randrange(90 * 24 * 60))
        end = begin + timedelta(minutes=random.randrange(5, 240))
        rows.append(
            Incident(
                number=start + n,
                title=f"Seeded {n}",
                severity=severities[n % len(severities)],
                status=IncidentStatus.RESOLVED,
                created_at=begin,
                triggered_at=begin,
                resolved_at=min(end, now),
            )
        )
    made = Incident.objects.bulk_create(rows)
    through = Incident.services.through
    for incident in made:
        links.append(through(incident_id=incident.pk, service_id=random.choice(services_).pk))
    through.objects.bulk_create(links)
    for n in range(20):
        begin = now - timedelta(days=random.randrange(90))
        maintenance = Maintenance.objects.create(
            title=f"Maintenance {n}", starts_at=begin, ends_at=begin + timedelta(hours=1)
        )
        maintenance.components.add(random.choice(components))


def bare_view(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def run_statuspage(args: argparse.Namespace) -> None:
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.urls import include, path

    from firebell.wsgi import tune_garbage_collection
    from statuspage import cache as page_cache

    seed_statuspage()
    tune_garbage_collection()
    urlconf = type(
        "BenchUrls",
        (),
        {"urlpatterns": [path("bare/", bare_view), path("", include("firebell.urls"))]},
    )
    with override_settings(ROOT_URLCONF=urlconf):
        client = Client()

        def timed(url: str, before=None) -> list[float]:
            for _ in range(5):
                client.get(url)
            values = []
            for _ in range(args.requests):
                if before:
                    before()
                t0 = time.perf_counter()
                response = client.get(url)
                values.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.status_code
            return values

        print(f"status page: 50 components, 90 days; {uptime()}")
        bare = timed("/bare/")
        cached = timed("/status/")
        uncached = timed("/status/", before=lambda: cache.delete_many(list(page_cache.KEYS)))
        bare_p95 = percentile(sorted(bare), 0.95)
        for name, values in (
            ("bare view", bare),
            ("/status/ cached", cached),
            ("/status/ uncached", uncached),
        ):
            p95 = percentile(sorted(values), 0.95)
            print(
                f"{name:18} {ms(values)}, mean {statistics.mean(values) * 1000:.1f} ms,"
                f" p95 {p95 / bare_p95:.1f}x bare"
            )
        print(
            f"page size {len(client.get('/status/').content) / 1024:.0f} KiB; {uptime()}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="firebell_checks_bench")
    parser.add_argument("--heartbeats", type=int, default=10_000)
    parser.add_argument("--http", type=int, default=1_000)
    parser.add_argument("--missed", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--pingers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="checks,statuspage")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")
    setup(args.database)
    print(f"bench/checks.py {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {uptime()}")
    if "checks" in args.only:
        run_checks(args)
    if "statuspage" in args.only:
        run_statuspage(args)


if __name__ == "__main__":
    main()
