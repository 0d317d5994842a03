from __future__ import annotations

import time

import pytest
from django.test import Client

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_task


@pytest.mark.worker
def test_a_real_worker_records_the_heartbeat_and_readyz_turns_200(
    celery_worker_process, client: Client
) -> None:
    assert client.get("/readyz").status_code == 503

    worker_heartbeat_task.delay()  # on the default queue, as beat sends it
    worker_heartbeat_task.apply_async(("paging",), queue="paging")  # and on the paging queue

    deadline = time.monotonic() + 30
    while WorkerHeartbeat.objects.filter(name__in=("worker", "paging")).count() < 2:
        assert time.monotonic() < deadline, celery_worker_process.log()[-4000:]
        time.sleep(0.2)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert "core.tasks.worker_heartbeat_task" in celery_worker_process.log()
    assert celery_worker_process.stop() == 0
