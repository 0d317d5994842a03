from celery import shared_task

from alerts import services


@shared_task(ignore_result=True, acks_late=True)
def delivery_process_task(delivery_id: int) -> str:
    return services.delivery_process(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def deliveries_sweep_task() -> str:
    return f"processed {services.deliveries_sweep()} left-behind deliveries"
