"""Helpers for tests of concurrency and faults: jobs started together, polling for an outcome, a
private Redis, a broker switched."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from django.db import connections


def run_together(*jobs: Callable[[], object]) -> list[BaseException]:
    """Start every job at the same moment in its own thread (own connection); return errors."""
    barrier, errors = threading.Barrier(len(jobs)), []

    def runner(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {len(jobs)} jobs had not finished after 120 s: {stuck}"
    return errors


@contextlib.contextmanager
def broker_switched_to(url: str) -> Iterator[None]:
    """Tasks this process queues go to `url` meanwhile (a dead port: the broker is down)."""
    from firebell.celery import app

    names = ("broker_url", "broker_read_url", "broker_write_url")
    before = {name: app.conf[name] for name in names}
    app.conf.update(dict.fromkeys(names, url))
    _forget_connections(app)
    try:
        yield
    finally:
        app.conf.update(before)
        _forget_connections(app)


def _forget_connections(app) -> None:
    # Dropped, not closed: kombu's shared producer pools may still hold them, and closing them
    # breaks every later publish ("Acquire on closed pool").
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(condition, *, what: str, timeout=60.0, interval=0.1, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log()[-3000:]}"
        time.sleep(interval)  # polling for an outcome, not waiting for a moment


@dataclass
class PrivateRedis:
    """A redis-server of the test's own (no persistence, like production's broker here), so it
    can be restarted without touching the shared server's other databases."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._answers(client), what="the private Redis to answer", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as abrupt as a crash: nothing queued survives
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
