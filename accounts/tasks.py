from __future__ import annotations

from celery import shared_task

from accounts.services import audit_log_prune
from core import clock


@shared_task
def audit_log_prune_task() -> str:
    return f"pruned {audit_log_prune(now=clock.now())} audit entries"
