"""Benchmark (not a test): paging end to end — gunicorn, PostgreSQL, Redis, Celery worker and beat.

    .venv/bin/python bench/escalation.py                       # 1,000 at 5/s + 10,000 at once
    .venv/bin/python bench/escalation.py --incidents 50 --storm 500 --delay 20   # a quick try
    .venv/bin/python bench/escalation.py --in-process 500      # the engine alone, no processes
    .venv/bin/python bench/escalation.py --incidents 0 --storm 0 --burst 2000 --delay 10
                                                               # (4) only: declared during a burst

Creates a throwaway PostgreSQL database (`--database`, default firebell_bench_esc on
postgres://postgres@127.0.0.1:5432; dropped and re-created, never one of the project's own),
migrates it, seeds two people with an e-mail notification rule for both urgencies, a schedule
with the first one on call, a policy *level 1: the schedule → `--delay` s → level 2: the
second person* on a service with a generic-JSON alert integration (`integration_create`), and a
one-level policy on a second service for the storm. Then starts, with production settings
(`DEBUG=0`, the `FIREBELL_*` defaults, SMTP e-mail): an SMTP stand-in (aiosmtpd, its own
process) that writes each message's `X-Firebell-Page` and arrival time to a file; gunicorn as
in Procfile; the real `celery -A firebell worker` and `celery -A firebell beat` (broker Redis
db 7, cache Redis db 8: other benches and the tests use 0/1/5/6). Per run it measures:

1. **first page** — `--incidents` generic webhooks, one alert each with its own dedup key (so
   its own group and incident), sent one after another at `--rate` per second; per incident,
   the time from the client receiving the 202 to the level-1 e-mail arriving at the stand-in
   (and to the Page row's `sent_at`);
2. **escalation lateness** — nobody acknowledges, so each of those incidents' level 2 comes
   due `--delay` s after its level-1 step; lateness = level-2 page `sent_at` (and e-mail
   arrival, and the step itself) minus that due time (the level-1 step's time, which is the
   level-1 Page's `created_at`, plus the delay — exactly what `escalation_step` stores in
   `EscalationState.next_step_at`);
3. **storm** — `--storm` alerts posted at once as generic JSON arrays of `--storm-batch` alerts
   over 4 connections (each alert its own incident), timed until every level-1 page is sent
   and every e-mail has arrived.

4. **paging during a burst** (`--burst N`) — incidents declared through the API
   (`POST /api/v1/incidents/`, SEV-1 on the paged service, at `--probe-rate` per second): first
   `--probes-idle` of them with nothing else going on (the baseline), then while `--burst`
   single-alert webhooks (one new incident each, each paging the on-call person) are posted over
   `--burst-connections` and processed, until the burst's pages are all sent or
   `--probe-seconds` passed; per declared incident, first page (the 201 → level-1 `sent_at` and
   e-mail) and level-2 lateness, printed alone and during the burst with the p99 ratio.

The workers are started as in Procfile: a default worker (`-Q celery`) and a paging worker
(`-Q paging`, `--paging-concurrency`, prefetch 1). Every process it starts runs in its own
session and is stopped at the end, also on Ctrl-C, SIGTERM or an error. Prints the load average
(`uptime`) with each figure: the machine may be shared. Logs and the stand-in's file go to
`--logs`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    database_create,
    database_drop,
    percentile,
    production_environment,
    uptime,
)

HOST = "127.0.0.1"


# --- Figures ----------------------------------------------------------------------------------


def summary(name: str, values: list[float], expected: int) -> str:
    """Percentiles of `values`; missing ones (not there by the timeout) count as infinitely late,
    so a percentile they reach is printed as "inf" rather than understated."""
    if not values:
        return f"{name}: no values"
    ordered = sorted(values) + [float("inf")] * max(0, expected - len(values))
    figures = ", ".join(
        f"{label} {percentile(ordered, fraction) * 1000:.0f}"
        for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
    )
    missing = f", {expected - len(values)} missing" if expected > len(values) else ""
    return f"{name}: {figures}, max {ordered[-1] * 1000:.0f} ms (n={len(values)}{missing})"


# --- The SMTP stand-in (runs as its own process: `escalation.py smtp PORT FILE`) --------------

PAGE_HEADER = re.compile(rb"^X-Firebell-Page: *(\d+)", re.MULTILINE | re.IGNORECASE)


def smtp_standin(port: int, out_path: str) -> None:
    """Accept every message; append `page id<TAB>arrival time` per message to `out_path`."""
    from aiosmtpd.controller import Controller

    out = open(out_path, "a", buffering=1)  # noqa: SIM115 - open for the life of the process

    class Recorder:
        async def handle_DATA(self, server, session, envelope) -> str:
            arrived = time.time()
            found = PAGE_HEADER.search(envelope.content)
            out.write(f"{found.group(1).decode() if found else '-'}\t{arrived:.6f}\n")
            return "250 Message accepted for delivery"

    controller = Controller(Recorder(), hostname=HOST, port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()
    out.close()


def arrivals(path: Path) -> dict[int, float]:
    """Page id → first arrival time at the stand-in."""
    found: dict[int, float] = {}
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        page, _, at = line.partition("\t")
        if page.isdigit() and at:
            found.setdefault(int(page), float(at))
    return found


# --- Processes --------------------------------------------------------------------------------


class Processes:
    """Everything this bench starts; `stop_all` ends each by its own process group."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=(self.logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its children too
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.started.append((name, process))
        return process

    def check(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); see {self.logs}")

    def stop_all(self) -> None:
        for _name, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(what: str, done: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(step)
    print(f"  timed out waiting for {what}", flush=True)
    return False


def healthz(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=1)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


# --- Database and seed ------------------------------------------------------------------------


def seed(delay_seconds: int) -> dict[str, object]:
    """People, rules, a schedule, the two policies and services; returns what the runs need."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from incidents.models import Service
    from oncall.models import (
        EscalationLevel,
        EscalationPolicy,
        EscalationTarget,
        NotificationRule,
        Rotation,
        RotationParticipant,
        Schedule,
    )

    users = [
        get_user_model().objects.create_user(name, email=f"{name}@bench.example")
        for name in ("bench-primary", "bench-secondary")
    ]
    for user in users:
        for urgency in ("high", "low"):
            NotificationRule.objects.create(user=user, urgency=urgency, channel="email")
    schedule = Schedule.objects.create(name="Bench primary", slug="bench-primary")
    rotation = Rotation.objects.create(
        schedule=schedule, name="Weekly", shift_kind="weekly", start_date=date(2026, 1, 5)
    )
    RotationParticipant.objects.create(rotation=rotation, user=users[0], position=0)

    def policy(name: str, levels: list[dict]) -> EscalationPolicy:
        made = EscalationPolicy.objects.create(name=name, slug=name.lower())
        for position, target in enumerate(levels, start=1):
            level = EscalationLevel.objects.create(
                policy=made, position=position, delay=timedelta(seconds=delay_seconds)
            )
            EscalationTarget.objects.create(level=level, **target)
        return made

    paging = policy(
        "Bench", [{"kind": "schedule", "schedule": schedule}, {"kind": "user", "user": users[1]}]
    )
    from accounts.services import api_token_rotate

    declarer = get_user_model().objects.create_superuser("bench-api", "api@bench.example")
    storm = policy("Storm", [{"kind": "schedule", "schedule": schedule}])
    return {
        "api_key": api_token_rotate(declarer).key,
        "service": Service.objects.create(name="Bench", slug="bench", escalation_policy=paging),
        "storm_service": Service.objects.create(
            name="Storm", slug="storm", escalation_policy=storm
        ),
    }


def integration_new(service: object, name: str) -> tuple[int, str]:
    from alerts.services import integration_create

    integration, key = integration_create(service=service, kind="generic", name=name, actor=None)
    return integration.pk, key


def pages_of(integration_id: int) -> list[tuple[str, int, float, float | None, int]]:
    """(fingerprint, level, created, sent or None, page id) of every page of an integration's
    incidents, times as Unix seconds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.fingerprint, p.level, extract(epoch FROM p.created_at),"
            " extract(epoch FROM p.sent_at), p.id"
            " FROM oncall_page p JOIN alerts_alert a ON a.incident_id = p.incident_id"
            " WHERE a.integration_id = %s AND p.purpose = 'escalation'",
            [integration_id],
        )
        return [
            (fp, level, float(created), None if sent is None else float(sent), pk)
            for fp, level, created, sent, pk in cursor.fetchall()
        ]


def sent_count(integration_id: int, level: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM oncall_page p"
            " JOIN alerts_alert a ON a.incident_id = p.incident_id"
            " WHERE a.integration_id = %s AND p.level = %s AND p.status = 'sent'",
            [integration_id, level],
        )
        return cursor.fetchone()[0]


# --- The load ---------------------------------------------------------------------------------


def post(port: int, path: str, body: bytes) -> tuple[int, float]:
    """POST on a fresh connection (gunicorn's sync workers close after each answer)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    accepted = time.time()
    conn.close()
    return response.status, accepted


def alert_body(key: str, n: int) -> dict[str, object]:
    return {
        "title": f"Checkout latency above SLO on shard {n}",
        "dedup_key": key,
        "severity": "critical",
        "source": f"prometheus/shard-{n}",
        "description": "p99 checkout latency has been above 800 ms for 5 minutes.",
        "details": {"shard": str(n), "team": "payments"},
    }


def send_steady(port: int, key: str, prefix: str, count: int, rate: float) -> dict[str, float]:
    """One webhook per alert at `rate`/s; returns dedup key → time the 202 arrived."""
    accepted: dict[str, float] = {}
    started = time.monotonic()
    for n in range(count):
        pause = started + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        dedup = f"{prefix}-{n}"
        status, at = post(port, f"/hooks/generic/{key}", json.dumps(alert_body(dedup, n)).encode())
        if status != 202:
            raise RuntimeError(f"webhook {n} answered {status}")
        accepted[dedup] = at
    return accepted


# --- The three measurements -------------------------------------------------------------------


def run_first_and_lateness(args: argparse.Namespace, seeded: dict, run: int, smtp: Path) -> None:
    integration_id, key = integration_new(seeded["service"], f"bench-{run}")
    load = uptime()
    began = time.time()
    accepted = send_steady(args.port, key, f"r{run}", args.incidents, args.rate)
    sending = time.time() - began
    print(
        f"run {run}: {args.incidents} webhooks in {sending:.1f} s ({args.incidents / sending:.1f}"
        f"/s); load before: {load}",
        flush=True,
    )
    wait_for(
        "level-1 pages",
        lambda: sent_count(integration_id, 1) >= args.incidents,
        timeout=args.settle_timeout,
        step=0.5,
    )
    time.sleep(1)  # the last e-mails' lines reach the stand-in's file
    mail = arrivals(smtp)
    first = [p for p in pages_of(integration_id) if p[1] == 1]
    to_mail = [mail[pk] - accepted[fp] for fp, _, _, _, pk in first if pk in mail]
    to_sent = [sent - accepted[fp] for fp, _, _, sent, _ in first if sent]
    to_step = [created - accepted[fp] for fp, _, created, _, _ in first]
    print(f"  (1) first page, {len(first)} incidents; load now: {uptime()}")
    print("    " + summary("202 → e-mail at the stand-in", to_mail, args.incidents))
    print("    " + summary("202 → Page.sent_at", to_sent, args.incidents))
    print(
        "    " + summary("202 → level-1 step (Page.created_at)", to_step, args.incidents),
        flush=True,
    )

    remaining = max(0.0, began + sending + args.delay - time.time())
    wait_for(
        "level-2 pages",
        lambda: sent_count(integration_id, 2) >= args.incidents,
        timeout=remaining + args.settle_timeout,
        step=1.0,
    )
    time.sleep(1)
    mail = arrivals(smtp)
    pages = pages_of(integration_id)
    due = {fp: created + args.delay for fp, level, created, _, _ in pages if level == 1}
    second = [p for p in pages if p[1] == 2]
    late_mail = [mail[pk] - due[fp] for fp, _, _, _, pk in second if pk in mail]
    late_sent = [sent - due[fp] for fp, _, _, sent, _ in second if sent]
    late_step = [created - due[fp] for fp, _, created, _, _ in second]
    print(f"  (2) escalation lateness, {len(second)} level-2 steps; load now: {uptime()}")
    print("    " + summary("Page.sent_at - due", late_sent, args.incidents))
    print("    " + summary("e-mail at the stand-in - due", late_mail, args.incidents))
    print(
        "    " + summary("level-2 step (Page.created_at) - due", late_step, args.incidents),
        flush=True,
    )


def run_storm(args: argparse.Namespace, seeded: dict, run: int, smtp: Path) -> None:
    integration_id, key = integration_new(seeded["storm_service"], f"storm-{run}")
    bodies = [
        json.dumps(
            [
                alert_body(f"s{run}-{n}", n)
                for n in range(start, min(start + args.storm_batch, args.storm))
            ]
        ).encode()
        for start in range(0, args.storm, args.storm_batch)
    ]
    load = uptime()
    began = time.time()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda b: post(args.port, f"/hooks/generic/{key}", b)[0], bodies))
    posted = time.time() - began
    if set(statuses) != {202}:
        raise RuntimeError(f"storm webhooks answered {sorted(set(statuses))}")

    def incidents() -> int:
        from alerts.models import Alert

        return Alert.objects.filter(integration_id=integration_id, incident__isnull=False).count()

    timeout = args.storm_timeout
    wait_for("storm incidents", lambda: incidents() >= args.storm, timeout, step=0.5)
    opened = time.time() - began
    wait_for("storm pages", lambda: sent_count(integration_id, 1) >= args.storm, timeout, 1.0)
    time.sleep(1)
    pages = pages_of(integration_id)
    mail = arrivals(smtp)
    sent = [s for _, _, _, s, _ in pages if s]
    mailed = [mail[pk] for *_, pk in pages if pk in mail]
    print(
        f"run {run}: (3) storm of {args.storm} alerts in {len(bodies)} webhooks of "
        f"{args.storm_batch}, posted in {posted:.1f} s; all incidents open after {opened:.1f} s; "
        f"{len(sent)} pages sent, last {max(sent, default=began) - began:.1f} s after the first "
        f"request; {len(mailed)} e-mails, last {max(mailed, default=began) - began:.1f} s; "
        f"load before: {load}, after: {uptime()}",
        flush=True,
    )


def declare_through_api(port: int, api_key: str, title: str) -> tuple[int, float]:
    """POST /api/v1/incidents/ (SEV-1 on the paged service); (incident number, 201 time)."""
    body = json.dumps({"title": title, "severity": "SEV-1", "services": ["bench"]}).encode()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/incidents/",
        body,
        {"Content-Type": "application/json", "Authorization": f"Token {api_key}"},
    )
    response = conn.getresponse()
    answer = response.read()
    accepted = time.time()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"declaring answered {response.status}: {answer[:300]!r}")
    return json.loads(answer)["number"], accepted


def probe_pages(numbers: list[int]) -> list[tuple[int, int, float, float | None, int]]:
    """(incident number, level, created, sent or None, page id) of the probes' escalation pages."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.number, p.level, extract(epoch FROM p.created_at),"
            " extract(epoch FROM p.sent_at), p.id"
            " FROM oncall_page p JOIN incidents_incident i ON i.id = p.incident_id"
            " WHERE i.number = ANY(%s) AND p.purpose = 'escalation'",
            [numbers],
        )
        return [
            (number, level, float(created), None if sent is None else float(sent), pk)
            for number, level, created, sent, pk in cursor.fetchall()
        ]


def probes_declared(args, seeded, label: str, keep_going: Callable[[int], bool]) -> dict:
    """Declare incidents through the API at `--probe-rate`/s while `keep_going(n)`."""
    declared: dict[int, float] = {}
    started, n = time.monotonic(), 0
    while keep_going(n):
        pause = started + n / args.probe_rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        number, at = declare_through_api(args.port, seeded["api_key"], f"{label} probe {n}")
        declared[number] = at
        n += 1
    return declared


def probe_figures(args, declared: dict[int, float], smtp: Path) -> dict[str, list[float]]:
    """Wait for the probes' level-1 and level-2 pages; first page and lateness, in seconds."""
    numbers = list(declared)

    def sent(level: int) -> int:
        return sum(1 for p in probe_pages(numbers) if p[1] == level and p[3] is not None)

    wait_for("probe level-1 pages", lambda: sent(1) >= len(numbers), args.settle_timeout, 0.5)
    wait_for(
        "probe level-2 pages",
        lambda: sent(2) >= len(numbers),
        args.delay + args.settle_timeout,
        1.0,
    )
    time.sleep(1)  # the last e-mails' lines reach the stand-in's file
    pages, mail = probe_pages(numbers), arrivals(smtp)
    due = {number: created + args.delay for number, level, created, _, _ in pages if level == 1}
    return {
        "first_sent": [sent - declared[n] for n, lvl, _, sent, _ in pages if lvl == 1 and sent],
        "first_mail": [
            mail[pk] - declared[n] for n, lvl, *_, pk in pages if lvl == 1 and pk in mail
        ],
        "late_sent": [sent - due[n] for n, lvl, _, sent, _ in pages if lvl == 2 and sent],
        "late_step": [created - due[n] for n, lvl, created, _, _ in pages if lvl == 2],
    }


def p99(values: list[float], expected: int) -> float:
    ordered = sorted(values) + [float("inf")] * max(0, expected - len(values))
    return percentile(ordered, 0.99) if ordered else float("nan")


def run_burst(args: argparse.Namespace, seeded: dict, run: int, smtp: Path) -> None:
    """(4) Incidents declared through the API, alone (the baseline) and while a burst of
    `--burst` single-alert webhooks (one new incident each, each paging the on-call person) is
    processed: first page and level-2 lateness of the declared incidents."""
    load = uptime()
    idle = probes_declared(args, seeded, f"idle {run}", lambda n: n < args.probes_idle)
    idle_figures = probe_figures(args, idle, smtp)

    integration_id, key = integration_new(seeded["storm_service"], f"burst-{run}")
    bodies = [json.dumps(alert_body(f"b{run}-{n}", n)).encode() for n in range(args.burst)]
    posted: dict[str, float] = {}

    def post_all() -> None:
        with ThreadPoolExecutor(args.burst_connections) as pool:
            answers = list(pool.map(lambda b: post(args.port, f"/hooks/generic/{key}", b), bodies))
        if {status for status, _ in answers} != {202}:
            raise RuntimeError(f"burst answered {sorted({s for s, _ in answers})}")
        posted["last"] = max(at for _, at in answers)

    def grouped() -> int:
        from alerts.models import Alert

        return Alert.objects.filter(integration_id=integration_id, incident__isnull=False).count()

    load_burst = uptime()
    began = time.time()
    poster = threading.Thread(target=post_all)
    poster.start()
    # Probes go on until every burst incident is paged (or the timeout): all the time the burst
    # is processed, from intake through grouping to its own pages.
    deadline = time.monotonic() + args.probe_seconds  # the probes are load too: bounded
    marks: dict[str, float] = {}

    def burst_going(n: int) -> bool:
        if n % 4:
            return True
        if "grouped" not in marks and grouped() >= args.burst:
            marks["grouped"] = time.time()
        if sent_count(integration_id, 1) >= args.burst:
            marks["paged"] = time.time()
        return "paged" not in marks and time.monotonic() < deadline

    busy = probes_declared(args, seeded, f"burst {run}", burst_going)
    poster.join()
    if "paged" not in marks:
        wait_for("burst pages", lambda: sent_count(integration_id, 1) >= args.burst, 900, 1.0)
        marks["paged"] = time.time()
        if "grouped" not in marks:
            marks["grouped"] = marks["paged"]  # at the latest
    all_grouped, burst_paged = marks.get("grouped", float("nan")), marks.get("paged", float("nan"))
    busy_figures = probe_figures(args, busy, smtp)
    print(
        f"run {run}: (4) burst of {args.burst} single-alert webhooks over "
        f"{args.burst_connections} connections, posted in {posted['last'] - began:.1f} s; all "
        f"grouped {all_grouped - posted['last']:.1f} s after the last 202; their "
        f"{args.burst} level-1 pages sent {burst_paged - began:.1f} s after the first request; "
        f"load before {load}, at the burst {load_burst}, after {uptime()}",
        flush=True,
    )
    print(f"  {len(idle)} incidents declared through the API alone, {len(busy)} during the burst")
    for name, label in (
        ("first_sent", "first page: API 201 → Page.sent_at"),
        ("first_mail", "first page: API 201 → e-mail at the stand-in"),
        ("late_sent", "escalation lateness: level-2 Page.sent_at - due"),
        ("late_step", "escalation lateness: level-2 step - due"),
    ):
        alone, during = idle_figures[name], busy_figures[name]
        base, busy_p99 = p99(alone, len(idle)), p99(during, len(busy))
        print(f"    {label}")
        print("      alone:  " + summary("", alone, len(idle)).lstrip(": "))
        print("      burst:  " + summary("", during, len(busy)).lstrip(": "))
        print(f"      p99 during the burst / alone: {busy_p99 / base:.1f}x", flush=True)


# --- Modes ------------------------------------------------------------------------------------


def live(args: argparse.Namespace) -> None:
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    smtp_file = logs / "smtp-arrivals.tsv"
    smtp_file.unlink(missing_ok=True)
    database_create(args.server, args.database)
    production_environment(
        database_url=f"{args.server}/{args.database}",
        broker=args.broker,
        cache=args.cache,
        ALLOWED_HOSTS=HOST,
        PUBLIC_BASE_URL=f"http://{HOST}:{args.port}",
        EMAIL_HOST=HOST,
        EMAIL_PORT=str(args.smtp_port),
        FIREBELL_VAR_DIR=str(logs / "var"),
    )
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from core.services import defaults_ensure

    call_command("migrate", verbosity=0)
    defaults_ensure()
    seeded = seed(args.delay)
    redis.Redis.from_url(args.broker).flushdb()  # nothing left from an aborted run
    redis.Redis.from_url(args.cache).flushdb()

    venv = Path(sys.executable).parent
    processes = Processes(logs)
    try:
        processes.start(
            "smtp", [sys.executable, __file__, "smtp", str(args.smtp_port), str(smtp_file)]
        )
        processes.start(
            "gunicorn",
            [str(venv / "gunicorn"), "firebell.wsgi", "--bind", f"{HOST}:{args.port}",
             "--workers", str(args.web_workers)],
        )  # fmt: skip
        celery = [str(venv / "celery"), "-A", "firebell"]
        # As in Procfile: a default worker and a paging worker of their own.
        processes.start(
            "worker",
            [*celery, "worker", "-Q", "celery", "--loglevel", "INFO",
             "--concurrency", str(args.concurrency), "--without-gossip", "--without-mingle"],
        )  # fmt: skip
        processes.start(
            "paging",
            [*celery, "worker", "-Q", "paging", "--hostname", "paging@%h", "--loglevel", "INFO",
             "--concurrency", str(args.paging_concurrency), "--prefetch-multiplier", "1",
             "--without-gossip", "--without-mingle"],
        )  # fmt: skip
        processes.start(
            "beat",
            [*celery, "beat", "--loglevel", "INFO",
             "--schedule", str(logs / "celerybeat-schedule")],
        )  # fmt: skip
        if not wait_for("gunicorn", lambda: healthz(args.port), 30):
            raise RuntimeError(f"gunicorn did not answer; see {logs}/gunicorn.log")
        print(
            f"gunicorn {args.web_workers} sync workers; celery worker prefork concurrency "
            f"{args.concurrency}; beat (escalation tick every 1 s); level delay {args.delay} s; "
            f"SMTP stand-in on {args.smtp_port}; logs in {logs}; pids: "
            + ", ".join(f"{name} {p.pid}" for name, p in processes.started),
            flush=True,
        )
        warm_id, warm_key = integration_new(seeded["service"], "warm-up")
        send_steady(args.port, warm_key, "warm", 20, 20)
        if not wait_for("warm-up pages", lambda: sent_count(warm_id, 1) >= 20, 60):
            raise RuntimeError(f"the warm-up was not paged; see {logs}/worker.log")
        processes.check()
        for run in range(1, args.runs + 1):
            if args.incidents:
                run_first_and_lateness(args, seeded, run, smtp_file)
            if args.storm:
                run_storm(args, seeded, run, smtp_file)
            if args.burst:
                run_burst(args, seeded, run, smtp_file)
            processes.check()
    finally:
        processes.stop_all()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop(args.server, args.database)


def in_process(args: argparse.Namespace) -> None:
    """The engine alone: tasks in-process, e-mail in memory, a test database; no network."""
    os.environ.setdefault("DATABASE_URL", f"{args.server}/{args.database}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "firebell.settings_test"
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.conf import settings
    from django.core import mail
    from django.db import connection
    from django.test.utils import setup_test_environment

    from firebell.celery import app

    setup_test_environment()  # in-memory e-mail
    settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = True
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from core import clock
        from incidents.models import Severity, Source
        from incidents.services import incident_create
        from oncall.models import Page
        from oncall.services import escalation_tick

        seeded = seed(300)
        sev1, count = Severity.objects.get(rank=1), args.in_process
        t0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
        started = time.perf_counter()
        with clock.frozen_at(t0):
            for n in range(count):
                incident_create(
                    title=f"Bench {n}",
                    severity=sev1,
                    actor=None,
                    source=Source.API,
                    services=[seeded["service"]],
                )
        declared = time.perf_counter() - started
        started = time.perf_counter()
        with clock.frozen_at(t0 + timedelta(minutes=5)):
            done = escalation_tick(limit=count)
        ticked = time.perf_counter() - started
        assert Page.objects.filter(status="sent").count() == 2 * count, "not every page was sent"
        print(f"in-process, {connection.vendor}: {count} incidents, {len(mail.outbox)} e-mails")
        print(f"declare + page level 1: {declared:.2f} s ({declared / count * 1000:.1f} ms each)")
        print(f"one tick, {done['steps']} level-2 steps + delivery: {ticked:.2f} s")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def main() -> None:
    if sys.argv[1:2] == ["smtp"]:
        smtp_standin(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000, help="(1)+(2): webhooks per run")
    parser.add_argument("--rate", type=float, default=5.0, help="(1): webhooks per second")
    parser.add_argument("--delay", type=int, default=30, help="(2): seconds level 1 → level 2")
    parser.add_argument("--storm", type=int, default=10_000, help="(3): alerts at once; 0: skip")
    parser.add_argument("--storm-batch", type=int, default=100, help="(3): alerts per webhook")
    parser.add_argument("--storm-timeout", type=float, default=900.0)
    parser.add_argument(
        "--settle-timeout", type=float, default=120.0, help="(1)+(2): wait after the last due"
    )
    parser.add_argument("--burst", type=int, default=0, help="(4): webhooks at once; 0: skip")
    parser.add_argument("--burst-connections", type=int, default=8)
    parser.add_argument("--probes-idle", type=int, default=20, help="(4): baseline declarations")
    parser.add_argument("--probe-rate", type=float, default=0.5, help="(4): declarations per s")
    parser.add_argument(
        "--probe-seconds", type=float, default=120.0, help="(4): declare during the burst at most"
    )
    parser.add_argument("--paging-concurrency", type=int, default=4, help="as in Procfile")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--web-workers", type=int, default=4, help="as in Procfile")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="firebell_bench_esc")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--smtp-port", type=int, default=8725)
    parser.add_argument("--logs", default="/tmp/firebell-bench-esc")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--in-process", type=int, default=0, metavar="N", help="engine only")
    args = parser.parse_args()
    # `timeout` and SIGTERM must still stop what was started (the `finally` in `live`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    if args.in_process:
        in_process(args)
    else:
        live(args)


if __name__ == "__main__":
    main()
