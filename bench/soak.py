"""Soak test of `make run`: hours of alerts, checked every minute.

Runs `make run` itself (SQLite, the embedded broker, web + worker + beat under honcho) in a
throwaway state folder and port, sends a generic JSON alert every few seconds and resolves each
one a little later, and every minute checks that

- honcho and the web, worker and beat processes are alive, and none was restarted (a restart
  means a process died: firebell.respawn hides it from the user, not from this check);
- /healthz and /readyz answer 200;
- every alert sent more than a minute ago is stored in an incident;
- the console shows no traceback and no "Unrecoverable error".

    .venv/bin/python bench/soak.py --minutes 120 [--interval 3] [--keep]

Prints one line a minute and a summary; exits 1 if any check failed. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import uptime
from bench.embedded import EmbeddedFirebell

ROLES = ("web", "worker", "beat")
BAD_SIGNS = ("Traceback", "Unrecoverable error", "respawn:")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between alerts")
    parser.add_argument("--keep", action="store_true", help="keep the state folder afterwards")
    options = parser.parse_args()

    # A plain `kill` stops the soak as Ctrl-C does: make run is stopped and the summary printed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    var_dir = Path(tempfile.mkdtemp(prefix="firebell-soak-"))
    firebell = EmbeddedFirebell(var_dir)
    print(f"soak: {time.strftime('%Y-%m-%d %H:%M:%S')} {uptime()}", flush=True)
    print(f"soak: make run in {var_dir} on {firebell.base_url}", flush=True)
    firebell.start(via_make=True)
    failures: list[str] = []
    sent: list[tuple[float, str]] = []
    try:
        firebell.wait_until_ready(timeout=600)
        hook = firebell.generic_integration()
        pids = {role: firebell.main_pid(role) for role in ROLES}
        print(f"soak: ready; processes {pids}", flush=True)
        started = time.monotonic()
        next_alert = next_check = started
        unresolved: list[tuple[float, str]] = []
        minute = 0
        while time.monotonic() - started < options.minutes * 60:
            now = time.monotonic()
            if now >= next_alert:
                key = f"soak-{uuid.uuid4()}"
                status = _post(firebell, hook, {"title": f"Soak {key}", "dedup_key": key})
                if status != 202:
                    failures.append(f"minute {minute}: alert answered {status}")
                sent.append((now, key))
                unresolved.append((now, key))
                next_alert += options.interval
            while unresolved and now - unresolved[0][0] > 30:
                _, key = unresolved.pop(0)
                body = {"title": f"Soak {key}", "dedup_key": key, "status": "resolved"}
                status = _post(firebell, hook, body)
                if status != 202:
                    failures.append(f"minute {minute}: resolve answered {status}")
            if now >= next_check + 60:
                next_check += 60
                minute += 1
                failures += _check(firebell, pids, sent, minute)
            time.sleep(0.05)
        failures += _check(firebell, pids, sent, minute + 1)
    except (Exception, KeyboardInterrupt) as error:  # the summary must still be printed
        failures.append(f"soak aborted: {type(error).__name__}: {error}")
    finally:
        firebell.stop()
    print(f"soak: {time.strftime('%Y-%m-%d %H:%M:%S')} {uptime()}", flush=True)
    print(
        f"soak: {len(sent)} alerts over {options.minutes:g} min, "
        f"{len(failures)} failed checks{': ' + '; '.join(failures[:20]) if failures else ''}",
        flush=True,
    )
    if not options.keep and not failures:
        import shutil

        shutil.rmtree(var_dir, ignore_errors=True)
    return 1 if failures else 0


def _post(firebell: EmbeddedFirebell, hook: str, body: dict) -> int:
    try:
        return firebell.post_json(hook, body, timeout=30)
    except OSError as error:
        return f"{type(error).__name__}"  # type: ignore[return-value]


def _check(firebell, pids, sent, minute) -> list[str]:
    failures = []
    if firebell.honcho.poll() is not None:
        failures.append(f"minute {minute}: make run exited")
    now_pids = {role: firebell.main_pid(role) for role in ROLES}
    for role in ROLES:
        if now_pids[role] != pids[role]:
            failures.append(f"minute {minute}: {role} pid {pids[role]} is now {now_pids[role]}")
            pids[role] = now_pids[role]
    for path in ("/healthz", "/readyz"):
        try:
            status = firebell.get(path, timeout=10)[0]
        except OSError as error:
            status = type(error).__name__
        if status != 200:
            failures.append(f"minute {minute}: {path} answered {status}")
    due = [key for at, key in sent if time.monotonic() - at > 60]
    missing = firebell.alerts_without_incident(due)
    if missing:
        failures.append(f"minute {minute}: {len(missing)} alerts not in an incident")
    console = firebell.log()
    signs = [sign for sign in BAD_SIGNS if sign in console]
    if signs:
        failures.append(f"minute {minute}: console shows {', '.join(signs)}")
    incidents = firebell.query("SELECT count(*) FROM incidents_incident")[0][0]
    print(
        f"soak: minute {minute:4d}: {len(sent)} alerts sent, {incidents} incidents, "
        f"{len(due) - len(missing)}/{len(due)} due alerts in incidents, "
        f"{'OK' if not failures else 'FAILED: ' + '; '.join(failures)}",
        flush=True,
    )
    return failures


if __name__ == "__main__":
    sys.exit(main())
