import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firebell.settings")

# Tasks publish through firebell.publishing: in web processes, a relay thread that never lets a
# request wait on the broker.
app = Celery("firebell", task_cls="firebell.publishing:RelayedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
