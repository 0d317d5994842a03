"""Helpers for tests of concurrency and faults: jobs started together, a broker switched."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

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

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
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
