from celery import shared_task

from core.services import worker_heartbeat_record


# Beat sends one per queue ("worker" on the default queue, "paging" on the paging queue): each
# proves a worker consumes that queue.
@shared_task(ignore_result=True)
def worker_heartbeat_task(name: str = "worker") -> str:
    heartbeat = worker_heartbeat_record(name)
    return f"heartbeat {name} at {heartbeat.beat_at.isoformat()}"
