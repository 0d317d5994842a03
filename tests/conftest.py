"""Shared fixtures: the four actors every view is checked with, and service requirements.

Markers `postgres`, `redis` and `worker` skip a test (with the reason) when that service is not
configured, and fail it instead when FIREBELL_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from core.services import defaults_ensure
from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("FIREBELL_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def _missing_service(marker: str) -> str | None:
    if marker == "postgres":
        engine = settings.DATABASES["default"]["ENGINE"]
        return None if "postgresql" in engine else "DATABASE_URL is not a PostgreSQL database"
    redis_configured = bool(os.environ.get("REDIS_URL")) and settings.CELERY_BROKER_URL.startswith(
        "redis"
    )
    if marker in {"redis", "worker"} and not redis_configured:
        return "REDIS_URL and a redis:// CELERY_BROKER_URL are not set"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "worker"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_service(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"FIREBELL_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _incident_numbers_from_one(request: pytest.FixtureRequest) -> None:
    """Each test's incidents are numbered from #1, as in a fresh installation.

    On PostgreSQL numbers come from a sequence (migration incidents.0004), and a sequence is not
    rolled back with the test's transaction; this sets it back to where a fresh database starts.
    """
    uses_db = request.node.get_closest_marker("django_db") is not None or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        return
    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval('incidents_incident_number_seq',"
                " (SELECT COALESCE(max(number), 0) + 1 FROM incidents_incident), false)"
            )


@pytest.fixture
def defaults(db) -> None:
    """Severities, roles and groups (present after migrate; restored after a flush)."""
    defaults_ensure()


def _member_of(group_name: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def admin_user(defaults):
    return _member_of("Admin", username="alice-admin")


@pytest.fixture
def responder(defaults):
    return _member_of("Responder", username="rita-responder")


@pytest.fixture
def other_responder(defaults):
    return _member_of("Responder", username="ron-responder")


@pytest.fixture
def viewer(defaults):
    return _member_of("Viewer", username="victor-viewer")


@pytest.fixture
def outsider(defaults):
    return UserFactory(username="olga-outsider")


# --- A real Celery worker in a subprocess ------------------------------------------------------


@dataclass
class CeleryWorkerProcess:
    """A running `celery -A firebell worker`; `log()` is its combined output so far."""

    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """Warm shutdown of the whole process group (SIGTERM), then SIGKILL. Idempotent."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        # Pool children may outlive the main process; the group goes either way.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=timeout)


def _worker_database_url() -> str:
    """DATABASE_URL naming the *test* database, so the worker sees what the test commits."""
    from django.db import connection

    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for `celery_worker_process`: override it, or parametrize it."""
    return {}


@pytest.fixture
def celery_worker_args() -> list[str]:
    """Extra command-line arguments for `celery_worker_process` (e.g. `["-Q", "paging"]`).

    Without `-Q` the worker consumes every queue (settings.CELERY_TASK_QUEUES), paging first."""
    return []


@pytest.fixture
def celery_worker_process(
    transactional_db,
    celery_worker_env: dict[str, str],
    celery_worker_args: list[str],
    tmp_path: Path,
) -> Iterator[CeleryWorkerProcess]:
    """A real worker on the test broker and the test database, stopped (group killed) after.

    Needs PostgreSQL and Redis: skips otherwise (fails under FIREBELL_REQUIRE_SERVICES=1); SQLite's
    test database lives in the test process's memory, where no worker can reach it. Queues are
    purged first, and tasks queued by the test go to the broker (eager mode is off meanwhile).
    """
    from firebell.celery import app as celery_app

    reason = _missing_service("postgres") or _missing_service("worker")
    if reason is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"FIREBELL_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "firebell.settings_test"
        ),
        "DATABASE_URL": _worker_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",  # hold no connection that would block dropping the test db
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **celery_worker_env,
    }
    celery_app.control.purge()  # a message left by an earlier, aborted run would run here
    log_path = tmp_path / "celery-worker.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "firebell",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"pytest-{os.getpid()}@%h",
                *celery_worker_args,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one on teardown
        )
    worker = CeleryWorkerProcess(process=process, log_path=log_path, env=env)
    eager_before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 30
        while " ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{worker.log()[-4000:]}")
            time.sleep(0.1)
        yield worker
    finally:
        celery_app.conf.task_always_eager = eager_before
        worker.stop()
        print(f"--- celery worker log (tail) ---\n{worker.log()[-4000:]}")


# --- A real web server (gunicorn) in a subprocess -----------------------------------------------


@dataclass
class WebServerProcess:
    """A running `gunicorn firebell.wsgi` on the test database; `url` is its base URL."""

    process: subprocess.Popen
    log_path: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=timeout)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def web_server_env() -> dict[str, str]:
    """Extra environment for `web_server_process` (e.g. another CELERY_BROKER_URL)."""
    return {}


@pytest.fixture
def web_server_process(
    transactional_db, web_server_env: dict[str, str], tmp_path: Path
) -> Iterator[WebServerProcess]:
    """gunicorn (2 sync workers, as in production) on the test database, stopped after.

    For what only a real server shows: chunked request bodies, a request blocked in a worker.
    Needs PostgreSQL (SQLite's test database lives in this process's memory).
    """
    import urllib.request

    reason = _missing_service("postgres")
    if reason is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"FIREBELL_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "firebell.settings_test",
        "DATABASE_URL": _worker_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",  # hold no connection that would block dropping the test db
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **web_server_env,
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "firebell.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = WebServerProcess(process=process, log_path=log_path, port=port)

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        deadline = time.monotonic() + 30
        while not answers():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{server.log()[-4000:]}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()
        print(f"--- gunicorn log (tail) ---\n{server.log()[-4000:]}")
