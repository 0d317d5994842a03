"""Celery tasks: thin wrappers that load by id, call one service and say what happened."""

from celery import shared_task

from moderation.services import deliveries, suspensions


# Not acks_late: a redelivered task finds the deliveries leased; the sweep re-sends expired leases.
@shared_task(ignore_result=True)
def deliveries_send_task(delivery_ids: list[int]) -> str:
    return "; ".join(deliveries.delivery_send(delivery_id) for delivery_id in delivery_ids)


@shared_task(ignore_result=True)
def deliveries_sweep_task() -> str:
    due = deliveries.deliveries_due()
    deliveries.deliveries_queue(due)
    return f"queued {len(due)} deliveries"


@shared_task(ignore_result=True, acks_late=True)
def suspensions_expire_task() -> str:
    return f"lifted {suspensions.suspensions_expire()} suspensions"
