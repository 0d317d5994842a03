"""Benchmark (not a test): issue 12's intake figures, each beside a baseline of the same run.

    .venv/bin/python bench/storm.py                 # everything, about 5-10 minutes
    .venv/bin/python bench/storm.py --requests 500  # a quicker look

Creates a throwaway PostgreSQL database (as bench/intake.py: `--database`, default
firebell_storm_bench), starts gunicorn (4 gthread workers x 2 threads) serving Firebell *and* the
baseline — a bare Django view that parses the same JSON and inserts one row (bench/bare_urls.py,
same middleware) — and, when a phase needs it, a Celery worker (prefork x 2). One client for
everything: bench/intake.py's asyncio keep-alive client, 8 connections. Phases:

A. request path, worker stopped: `--requests` single-alert Alertmanager webhooks (one new group
   each) against the same bodies posted to the bare view; throughput ratio and p99;
B. worker busy: the worker started on A's backlog, then another burst; ratio against the bare
   view measured just before, and the time from the last response until every alert of the
   burst is in an incident;
C. 2,000 alerts in 20 groups (100 webhooks of 20 alerts): time until all are attached;
D. one generic delivery of 1,000 new dedup_keys; while it is processed, a declaration through
   the REST API every 0.5 s: their response times.
Prints `uptime` before each phase: the machine is shared, so ratios are the figures that travel.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_create, percentile, production_environment, uptime  # noqa: E402
from bench.intake import (  # noqa: E402
    FIXTURE,
    Load,
    alert,
    backlog_drain,
    send,
    stop,
    wait_for_http,
    wait_grouped,
)


def start(command: list[str], log: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


def hook_body(run: str, n: int, alerts: int, group: str) -> bytes:
    body = {
        **FIXTURE,
        "alerts": [alert(0, n, i) for i in range(alerts)],
        "groupKey": f'{{}}:{{alertname="DiskSpaceLow", run="{run}", group="{group}"}}',
    }
    for one in body["alerts"]:
        one["fingerprint"] = f"{run}-{n}-{one['fingerprint']}"
    return json.dumps(body).encode()


def integration_new(kind: str = "alertmanager") -> tuple[int, str]:
    from alerts.services import integration_create
    from incidents.models import Service

    service, _ = Service.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    integration, key = integration_create(
        service=service, kind=kind, name=f"bench-{kind}-{time.time_ns()}", actor=None
    )
    return integration.pk, key


def summary(load: Load, seconds: float) -> dict[str, float]:
    latencies = sorted(load.latencies)
    return {
        "per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "statuses": load.statuses,
    }


def burst(port: int, path: str, bodies: list[bytes], connections: int) -> tuple[Load, dict]:
    started = time.perf_counter()
    load = send("127.0.0.1", port, path, bodies, connections)
    return load, summary(load, load.last_response_at - started)


def show(name: str, figures: dict, baseline: dict | None = None) -> None:
    ratio = f", {figures['per_s'] / baseline['per_s']:.0%} of the bare view" if baseline else ""
    print(
        f"  {name}: {figures['per_s']:.0f}/s{ratio}; p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms; statuses {figures['statuses']}",
        flush=True,
    )


def phase(title: str) -> None:
    print(f"\n{title}  [{uptime().split('load average: ')[-1]}]", flush=True)


def declare(port: int, token: str, n: int) -> float:
    body = json.dumps({"title": f"Declared during the delivery {n}", "severity": 2})
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/api/v1/incidents/",
        body=body,
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 201:
        print(f"  declaration answered {response.status}", flush=True)
    return time.perf_counter() - started


def delivery_done(delivery_id: int) -> bool:
    from alerts.models import AlertDelivery

    return AlertDelivery.objects.filter(pk=delivery_id, status="processed").exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="firebell_storm_bench")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--logs", default="/tmp/firebell-storm-bench")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    database_create(args.server, args.database)
    production_environment(
        database_url=f"{args.server}/{args.database}",
        broker=args.broker,
        cache=args.cache,
        ALLOWED_HOSTS="127.0.0.1",
    )
    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from accounts.services import api_token_rotate
    from bench.bare_urls import BARE_TABLE_SQL
    from core.services import defaults_ensure

    call_command("migrate", verbosity=0)
    defaults_ensure()
    with connection.cursor() as cursor:
        cursor.execute(BARE_TABLE_SQL)
    redis.Redis.from_url(args.broker).flushdb()
    admin = get_user_model().objects.create_superuser("bench-admin", "", "bench-password-1")
    token = api_token_rotate(admin).key

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    venv = Path(sys.executable).parent
    web = start(
        [
            *(str(venv / "gunicorn"), "firebell.wsgi", "--bind", f"127.0.0.1:{args.port}"),
            *("--workers", "4", "--worker-class", "gthread", "--threads", "2"),
        ],
        logs / "gunicorn.log",
        DJANGO_SETTINGS_MODULE="bench.bare_settings",
    )
    worker_command = [
        *(str(venv / "celery"), "-A", "firebell", "worker", "--loglevel", "WARNING"),
        *("--concurrency", "2", "--without-gossip", "--without-mingle"),
    ]
    worker = None
    n = args.requests
    try:
        wait_for_http("127.0.0.1", args.port, 180)
        print(
            f"gunicorn 4 gthread x 2; celery prefork x 2 (when running); {args.connections} "
            f"keep-alive connections; logs in {logs}; pids: gunicorn {web.pid}",
            flush=True,
        )
        _, warm_key = integration_new()
        warm = [hook_body("warm", i, 1, f"w{i}") for i in range(200)]
        send("127.0.0.1", args.port, "/bench/bare", warm, args.connections)
        send("127.0.0.1", args.port, f"/hooks/alertmanager/{warm_key}", warm, args.connections)

        phase(f"A. Request path, worker stopped: {n} single-alert webhooks, one new group each")
        a_id, a_key = integration_new()
        bodies = [hook_body("a", i, 1, f"a{i}") for i in range(n)]
        _, bare_a = burst(args.port, "/bench/bare", bodies, args.connections)
        _, hooks_a = burst(args.port, f"/hooks/alertmanager/{a_key}", bodies, args.connections)
        show("bare view", bare_a)
        show("webhooks ", hooks_a, bare_a)

        phase("B. Worker busy: the worker clears A's backlog, then processes a burst as it comes")
        worker_started = time.perf_counter()
        worker = start(worker_command, logs / "celery.log")
        a_done = wait_grouped(a_id, n, 900)
        print(
            f"  A's backlog of {n} new groups grouped "
            + (f"{a_done - worker_started:.1f} s after the worker started" if a_done else "NOT")
            + f"  [{uptime().split('load average: ')[-1]}]",
            flush=True,
        )
        backlog_drain(900)
        b_id, b_key = integration_new()
        bodies = [hook_body("b", i, 1, f"b{i}") for i in range(n)]
        _, bare_b = burst(args.port, "/bench/bare", bodies, args.connections)
        load_b, hooks_b = burst(args.port, f"/hooks/alertmanager/{b_key}", bodies, args.connections)
        show("bare view", bare_b)
        show("webhooks ", hooks_b, bare_b)
        b_done = wait_grouped(b_id, n, 900)
        print(
            f"  all {n} grouped "
            + (f"{b_done - load_b.last_response_at:.1f} s" if b_done else "NOT within 900 s")
            + " after the last response (target 20 s)",
            flush=True,
        )
        backlog_drain(600)

        phase("C. 2,000 alerts in 20 groups: 100 webhooks of 20 alerts")
        c_id, c_key = integration_new()
        bodies = [hook_body("c", i, 20, f"c{i % 20}") for i in range(100)]
        load_c, hooks_c = burst(args.port, f"/hooks/alertmanager/{c_key}", bodies, args.connections)
        show("webhooks ", hooks_c)
        c_done = wait_grouped(c_id, 2000, 600)
        print(
            "  all attached "
            + (f"{c_done - load_c.last_response_at:.2f} s" if c_done else "NOT within 600 s")
            + " after the last response (target 3 s)",
            flush=True,
        )
        backlog_drain(600)

        phase("D. One delivery of 1,000 new dedup_keys; API declarations meanwhile")
        d_id, d_key = integration_new("generic")
        delivery = [{"title": f"Job {i} failed", "dedup_key": f"job-{i}"} for i in range(1000)]
        sent_at = time.perf_counter()
        load_d = send(
            "127.0.0.1",
            args.port,
            f"/hooks/generic/{d_key}",
            [json.dumps(delivery).encode()],
            1,
        )
        from alerts.models import AlertDelivery

        print(f"  answered {load_d.statuses} in {load_d.latencies[0] * 1000:.0f} ms", flush=True)
        delivery_id = AlertDelivery.objects.filter(integration_id=d_id).values_list(
            "pk", flat=True
        )[0]
        latencies = []
        while not delivery_done(delivery_id):
            latencies.append(declare(args.port, token, len(latencies)))
            time.sleep(0.5)
            if time.perf_counter() - sent_at > 600:
                print("  the delivery was NOT processed within 600 s", flush=True)
                break
        took = time.perf_counter() - sent_at
        latencies.sort()
        print(
            f"  delivery processed {took:.1f} s after it was sent; {len(latencies)} declarations "
            f"meanwhile: p50 {statistics.median(latencies) * 1000:.0f} ms, max "
            f"{latencies[-1] * 1000:.0f} ms (target < 1 s)",
            flush=True,
        )
        print(f"\nafter: {uptime()}")
    finally:
        stop(web)
        if worker is not None:
            stop(worker)


if __name__ == "__main__":
    main()
