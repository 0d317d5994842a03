from celery import shared_task

from core.services import worker_heartbeat_record


@shared_task(ignore_result=True)
def worker_heartbeat_task() -> str:
    heartbeat = worker_heartbeat_record()
    return f"heartbeat at {heartbeat.beat_at.isoformat()}"
