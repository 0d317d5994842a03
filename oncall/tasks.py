"""Celery tasks: thin wrappers that load by id, call one service and say what happened.

All of them travel on the paging queue (settings.CELERY_TASK_ROUTES), away from alert intake.
"""

from celery import shared_task

from oncall import services


@shared_task(ignore_result=True, acks_late=True)
def escalation_step_task(incident_id: int, token: int | None = None) -> str:
    return services.escalation_step(incident_id, token=token)


@shared_task(ignore_result=True, acks_late=True)
def escalation_remind_task(incident_id: int) -> str:
    return services.escalation_remind(incident_id)


@shared_task(ignore_result=True, acks_late=True)
def escalation_ack_timeout_task(incident_id: int) -> str:
    return services.escalation_ack_timeout(incident_id)


# Queues what is due; performs nothing itself (a slow step never delays the next tick).
@shared_task(ignore_result=True, acks_late=True)
def escalation_tick_task() -> str:
    done = services.escalation_tick_alone()
    if done is None:
        return "skipped: the previous tick is still running"
    return ", ".join(f"{count} {what}" for what, count in done.items())


# Not acks_late: a redelivered task would only find the page leased; the tick re-queues it.
@shared_task(ignore_result=True)
def page_deliver_task(page_id: int) -> str:
    return services.page_deliver(page_id)


@shared_task(ignore_result=True, acks_late=True)
def pages_sync_task(incident_id: int, action: str) -> str:
    return services.pages_sync(incident_id, action)
