"""Run jobs at the same moment in threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

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
