from celery import shared_task

from statuspage import subscribers


@shared_task(ignore_result=True, acks_late=True)
def subscribers_notify_task(update_id: int) -> str:
    added = subscribers.outbox_fill(update_id=update_id)
    sent = subscribers.outbox_send()  # the rest, if any, by the beat entry below
    return f"update {update_id}: {added} e-mails queued, {sent} sent"


@shared_task(ignore_result=True)
def outbox_send_task() -> str:
    return f"{subscribers.outbox_send()} status e-mails sent"


@shared_task(ignore_result=True)
def subscriber_confirmation_send_task(subscriber_id: int) -> str:
    return subscribers.subscriber_confirmation_send(subscriber_id=subscriber_id)
