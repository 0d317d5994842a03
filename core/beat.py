"""Celery beat that can run in more than one process: each due job is claimed in the database
before it is sent (`core.services.periodic_job_claim`), so two beats (on two machines, for
redundancy) send every periodic job once per interval between them, not twice.

Settings: `CELERY_BEAT_SCHEDULER = "core.beat:ClaimingScheduler"`. If the database cannot be
asked, the job is sent anyway: every periodic job is idempotent, so a doubled run costs only
work, while a skipped escalation tick would delay pages.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from celery.beat import PersistentScheduler, ScheduleEntry
from celery.schedules import schedule as interval_schedule
from django.db import close_old_connections

logger = logging.getLogger(__name__)
# Crontab-style entries (none today) are claimed for this long: far below any sensible period.
UNTIMED_CLAIM = timedelta(seconds=30)


def _interval(entry: ScheduleEntry) -> timedelta:
    if isinstance(entry.schedule, interval_schedule):
        return entry.schedule.run_every
    return UNTIMED_CLAIM


class ClaimingScheduler(PersistentScheduler):
    """Beat's own scheduler (schedule file and all), sending a due job only once it holds the
    job's claim for this interval."""

    claimer = f"{socket.gethostname()}:{os.getpid()}"

    def apply_entry(self, entry: ScheduleEntry, producer=None) -> None:
        from core.services import periodic_job_claim  # the app registry is ready by now

        try:
            close_old_connections()  # a long-lived process: drop a connection the server closed
            claimed = periodic_job_claim(entry.name, every=_interval(entry), claimer=self.claimer)
        except Exception:
            logger.exception("Beat: could not claim %s; sending it anyway", entry.name)
            claimed = True
        if not claimed:
            logger.debug("Beat: %s was just sent by another beat", entry.name)
            return
        super().apply_entry(entry, producer=producer)
