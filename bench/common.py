"""What the end-to-end benchmarks share: figures, the machine's load, a throwaway database and
the environment the servers they start run with."""

from __future__ import annotations

import os
import re
import subprocess
import sys

# Databases the team's tests and sessions use: a benchmark never drops these.
PROTECTED = {
    "firebell",
    "firebell_ui",
    "firebell_slack",
    "firebell_intake",
    "firebell_me",
    "firebell_oncallui",
    "postgres",
}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest rank: the value below which `fraction` of the values lie."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def uptime() -> str:
    """The machine's load (figures taken on a busy machine are read differently)."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def database_create(server: str, name: str) -> None:
    """Drop and create the database `name` on `server` (a postgres:// URL without a database)."""
    import psycopg

    if name in PROTECTED or not re.fullmatch(r"[a-z0-9_]+", name):
        sys.exit(f"Refusing to drop and re-create the database {name!r}.")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(*, database_url: str, broker: str, cache: str, **extra: str) -> None:
    """Set this process's (and so its servers') environment as production would have it."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="firebell.settings",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker,
        REDIS_URL=cache,
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        LOG_LEVEL="WARNING",
        **extra,
    )
