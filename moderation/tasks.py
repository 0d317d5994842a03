"""Celery tasks: thin wrappers that load by id, call one service and say what happened."""

from celery import shared_task

from moderation.services import deliveries, suspensions


# Not acks_late: a redelivered task finds the delivery leased; the sweep re-sends expired leases.
@shared_task(ignore_result=True)
def delivery_send_task(delivery_id: int) -> str:
    return deliveries.delivery_send(delivery_id)


@shared_task(ignore_result=True)
def deliveries_sweep_task() -> str:
    due = deliveries.deliveries_due()
    deliveries.deliveries_queue(due)
    return f"queued {len(due)} deliveries"


@shared_task(ignore_result=True, acks_late=True)
def suspensions_expire_task() -> str:
    return f"lifted {suspensions.suspensions_expire()} suspensions"
