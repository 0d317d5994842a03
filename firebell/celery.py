import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

# Tasks publish through firebell.publishing: in web processes, a relay thread that never lets a
# request wait on the broker.
app = Celery("firebell", task_cls="firebell.publishing:RelayedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes the database connection before and after every task unless this
# is set: a new PostgreSQL connection per task was 30-40 % of a busy worker's time (py-spy during
# bench/storm.py). Connections are kept instead, and each task starts and ends with Django's own
# check (`_connections_checked`), as a request does: CONN_MAX_AGE, CONN_HEALTH_CHECKS, and a
# connection left unusable by an error is replaced.
app.conf.CELERY_DB_REUSE_MAX = 1_000_000


@task_prerun.connect
@task_postrun.connect
def _connections_checked(sender: Any = None, **kwargs: Any) -> None:
    if sender is None or getattr(sender.request, "is_eager", False):
        return  # eager (tests): the caller's connection and transaction are not the task's
    from django.db import close_old_connections

    close_old_connections()
