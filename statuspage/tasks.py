from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def subscribers_notify_task(update_id: int) -> str:
    return f"update {update_id}: no subscribers yet"
