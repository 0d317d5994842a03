"""Celery tasks of post-mortems: thin, idempotent (see postmortems/reminders.py)."""

from __future__ import annotations

from celery import shared_task

from postmortems.reminders import reminder_deliver, reminders_queue


@shared_task(ignore_result=True)
def postmortem_reminders_task() -> str:
    """Beat, every 5 minutes: write the due reminders and queue every unsent one."""
    pending = reminders_queue()
    for pk in pending:
        reminder_deliver_task.delay(pk)
    return f"{len(pending)} reminder(s) queued"


@shared_task(ignore_result=True, acks_late=True)
def reminder_deliver_task(reminder_id: int) -> str:
    return reminder_deliver(reminder_id)
