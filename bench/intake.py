"""Benchmark (not a test): alert intake end to end — gunicorn, PostgreSQL, Redis, a Celery worker.

    .venv/bin/python bench/intake.py                          # 2,000 single-alert webhooks
    .venv/bin/python bench/intake.py --batch 100 --requests 200   # Alertmanager batches of 100

Creates a throwaway PostgreSQL database (`--database`, default firebell_bench on
postgres://postgres@127.0.0.1:5432; dropped and re-created, never one of the project's own),
migrates it, creates an Alertmanager integration, starts gunicorn and a Celery worker (broker:
Redis db 5, cache: Redis db 6, so tests on db 0/1 are untouched), then per run:
1. sends `--requests` Alertmanager v4 webhooks (each about 1.2 KB per alert, every alert with
   its own fingerprint and every webhook with its own groupKey, i.e. one incident per webhook)
   over `--connections` concurrent keep-alive connections, from a small asyncio HTTP/1.1 client
   in this process (raw sockets, no library: the client shares the two cores with the server,
   so it must cost little; it reconnects when the server closes, as gunicorn's sync worker does);
2. reports accepted/s, p50/p95/p99 response time, and the time from the last response until
   every alert of the run is attached to an incident (polled in the database every 20 ms).
Each run first waits until earlier runs' deliveries are processed, so its grouping time is its
own. Prints the load average (`uptime`) before each run: the machine is shared, figures are noisy.
gunicorn and Celery run the code of the checkout this script is in (PYTHONPATH), so running the
script of an exported copy (`git archive HEAD | tar -x -C /tmp/copy`) measures that commit
without anyone's uncommitted work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    database_create,
    percentile,
    production_environment,
    uptime,
)

FIXTURE = {
    "receiver": "bench",
    "status": "firing",
    "groupLabels": {"alertname": "DiskSpaceLow"},
    "commonLabels": {"alertname": "DiskSpaceLow", "job": "node", "severity": "warning"},
    "commonAnnotations": {"summary": "Disk space below 10%"},
    "externalURL": "http://alertmanager.example.internal:9093",
    "version": "4",
    "truncatedAlerts": 0,
}


def alert(run: int, n: int, i: int) -> dict:
    instance = f"db-{n}-{i}:9100"
    return {
        "status": "firing",
        "labels": {
            "alertname": "DiskSpaceLow",
            "instance": instance,
            "job": "node",
            "mountpoint": "/var/lib/postgresql",
            "severity": "warning",
            "env": "production",
            "team": "database",
            "service": "orders-db",
        },
        "annotations": {
            "summary": f"Disk space below 10% on {instance} /var/lib/postgresql",
            "description": "The filesystem holding the database has less than 10% of its space "
            "left; at the current rate of growth it fills within a day. Free space or grow it.",
        },
        "startsAt": "2026-11-22T07:05:18.586Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr="
        "node_filesystem_avail_bytes+%2F+node_filesystem_size_bytes+%3C+0.1&g0.tab=1",
        "fingerprint": f"r{run}n{n}i{i}",
    }


def webhook(run: int, n: int, batch: int) -> bytes:
    body = {
        **FIXTURE,
        "alerts": [alert(run, n, i) for i in range(batch)],
        "groupKey": f'{{}}:{{alertname="DiskSpaceLow", run="{run}", n="{n}"}}',
    }
    return json.dumps(body).encode()


# --- The load: a minimal HTTP/1.1 keep-alive client ------------------------------------------


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    last_response_at: float = 0.0


async def _one_connection(host: str, port: int, requests: list[bytes], load: Load) -> None:
    reader = writer = None
    while requests:
        request = requests.pop()
        if writer is None:
            reader, writer = await asyncio.open_connection(host, port)
            load.reconnects += 1
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        done = time.perf_counter()
        load.latencies.append(done - started)
        load.last_response_at = max(load.last_response_at, done)
        load.statuses[status] = load.statuses.get(status, 0) + 1
        if status != 202 and len(load.errors) < 5:
            load.errors.append(f"{status}: {body[:300]!r}")
        if headers.get("connection") == "close":
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def send(host: str, port: int, path: str, bodies: list[bytes], connections: int) -> Load:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: Alertmanager/0.25.0\r\n"
        "Content-Type: application/json\r\nConnection: keep-alive\r\n"
    )
    requests = [
        f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body for body in reversed(bodies)
    ]
    load = Load()

    async def all_connections() -> None:
        await asyncio.gather(
            *(_one_connection(host, port, requests, load) for _ in range(connections))
        )

    asyncio.run(all_connections())
    return load


# --- Processes and the database ---------------------------------------------------------------


def start(command: list[str], log: Path) -> subprocess.Popen:
    # Own session, so stopping it stops its children (gunicorn/celery workers) too.
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout, even from a copy of it
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_http(host: str, port: int, seconds: float = 30) -> None:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz; see its log.")


def grouped_count(integration_id: int) -> tuple[int, int]:
    """(alerts attached to an incident, deliveries not processed) of one integration."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM alerts_alert WHERE integration_id = %s"
            "  AND incident_id IS NOT NULL),"
            " (SELECT count(*) FROM alerts_alertdelivery WHERE integration_id = %s"
            "  AND status <> 'processed')",
            [integration_id, integration_id],
        )
        return cursor.fetchone()


def wait_grouped(integration_id: int, expected: int, timeout: float) -> float | None:
    """Seconds until every expected alert is grouped, or None after the timeout."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        grouped, _waiting = grouped_count(integration_id)
        if grouped >= expected:
            return time.perf_counter()
        time.sleep(0.02)
    return None


def backlog_drain(timeout: float) -> None:
    """Wait for deliveries of earlier runs, so each run's grouping time is its own."""
    from django.db import connection

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM alerts_alertdelivery WHERE status <> 'processed'")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)
    sys.exit(f"Deliveries of an earlier run were still waiting after {timeout:.0f} s.")


# --- One run ----------------------------------------------------------------------------------


def make_integration(name: str) -> tuple[int, str]:
    from alerts.services import integration_create
    from incidents.models import Service

    service, _ = Service.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    integration, key = integration_create(
        service=service, kind="alertmanager", name=name, actor=None
    )
    return integration.pk, key


def run_once(args: argparse.Namespace, run: int, port: int) -> dict:
    backlog_drain(args.drain_timeout)
    integration_id, key = make_integration(f"bench-run-{run}-{time.time_ns()}")
    bodies = [webhook(run, n, args.batch) for n in range(args.requests)]
    load_before = uptime()
    started = time.perf_counter()
    load = send("127.0.0.1", port, f"/hooks/alertmanager/{key}", bodies, args.connections)
    answered = load.last_response_at - started
    expected = args.requests * args.batch
    grouped_at = wait_grouped(integration_id, expected, args.group_timeout)
    latencies = sorted(load.latencies)
    result = {
        "run": run,
        "load": load_before.split("load average: ")[-1],
        "requests": len(latencies),
        "statuses": load.statuses,
        "webhooks_per_s": len(latencies) / answered,
        "alerts_per_s": len(latencies) * args.batch / answered,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": latencies[-1] * 1000,
        "grouped_after_s": None if grouped_at is None else grouped_at - load.last_response_at,
        "connections_opened": load.reconnects,
        "body_bytes": len(bodies[0]),
    }
    if grouped_at is None:
        grouped, waiting = grouped_count(integration_id)
        elapsed = time.perf_counter() - started
        result["not_grouped"] = (
            f"{grouped}/{expected} alerts grouped {elapsed:.0f} s after the first request "
            f"({grouped / elapsed:.1f}/s), {waiting} deliveries waiting"
        )
    else:
        result["grouped_per_s"] = expected / (grouped_at - started)
    if load.errors:
        result["errors"] = load.errors
    return result


def report(result: dict) -> None:
    grouped = result["grouped_after_s"]
    print(
        f"run {result['run']}: {result['webhooks_per_s']:7.0f} webhooks/s "
        f"({result['alerts_per_s']:.0f} alerts/s), p50 {result['p50_ms']:.1f} ms, "
        f"p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"max {result['max_ms']:.0f} ms; all grouped "
        + (
            f"{grouped:.2f} s after the last response ({result['grouped_per_s']:.0f} alerts/s)"
            if grouped is not None
            else "NOT in time"
        )
        + f"; statuses {result['statuses']}; connections opened {result['connections_opened']}"
        + f"; load before: {result['load']}",
        flush=True,
    )
    for key in ("not_grouped", "errors"):
        if key in result:
            print(f"  {key}: {result[key]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="webhooks per run")
    parser.add_argument("--batch", type=int, default=1, help="alerts per webhook")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="gthread")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="firebell_bench")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--group-timeout", type=float, default=120.0)
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--logs", default="/tmp/firebell-bench", help="folder for server logs")
    args = parser.parse_args()
    # `timeout` and Ctrl-C must still stop gunicorn and the worker (the `finally` below).
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
    from django.core.management import call_command

    from core.services import defaults_ensure

    call_command("migrate", verbosity=0)
    defaults_ensure()
    import redis

    redis.Redis.from_url(args.broker).flushdb()  # no tasks left from an earlier, aborted run

    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    venv = Path(sys.executable).parent
    web_command = [
        str(venv / "gunicorn"),
        "firebell.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.web_workers),
        "--worker-class",
        args.worker_class,
    ]
    if args.worker_class == "gthread":
        web_command += ["--threads", str(args.threads)]
    worker_command = [
        str(venv / "celery"),
        "-A",
        "firebell",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(args.celery_concurrency),
        "--without-gossip",
        "--without-mingle",
    ]
    web = start(web_command, logs / "gunicorn.log")
    worker = start(worker_command, logs / "celery.log")
    try:
        wait_for_http("127.0.0.1", args.port)
        print(
            f"gunicorn: {args.web_workers} {args.worker_class} workers"
            + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
            + f"; celery: prefork x {args.celery_concurrency}; client: asyncio, "
            f"{args.connections} keep-alive connections; {args.requests} webhooks x "
            f"{args.batch} alert(s) per run; logs in {logs}; pids: gunicorn {web.pid}, "
            f"celery {worker.pid} (for py-spy record --subprocesses -p PID)",
            flush=True,
        )
        # Warm-up: every web worker and the celery pool open their database connections.
        warm = args.web_workers * max(args.threads, 1) * 8
        warm_id, warm_key = make_integration(f"bench-warm-{time.time_ns()}")
        send(
            "127.0.0.1",
            args.port,
            f"/hooks/alertmanager/{warm_key}",
            [webhook(0, n, 1) for n in range(warm)],
            args.connections,
        )
        if wait_grouped(warm_id, warm, max(args.group_timeout, 120)) is None:
            sys.exit(f"The warm-up was not grouped; see {logs}/celery.log.")
        results = []
        for run in range(1, args.runs + 1):
            result = run_once(args, run, args.port)
            report(result)
            results.append(result)
        best = max(results, key=lambda r: r["webhooks_per_s"])
        print(f"best of {len(results)} by throughput: run {best['run']}")
    finally:
        stop(web)
        stop(worker)


if __name__ == "__main__":
    main()
