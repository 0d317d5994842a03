from celery import shared_task

from checks import probe, services
from checks.models import Check


@shared_task(ignore_result=True)
def heartbeats_sweep_task() -> str:
    return f"{services.heartbeats_sweep()} heartbeat checks late or down"


@shared_task(ignore_result=True)
def polls_dispatch_task() -> str:
    claims = services.polls_claim_due()
    for claim in claims:
        check_poll_task.delay(claim.check_id, str(claim.token))
    return f"{len(claims)} polls queued"


@shared_task(ignore_result=True)
def check_poll_task(check_id: int, token: str) -> str:
    check = Check.objects.filter(pk=check_id, poll_token=token).first()
    if check is None:
        return f"check {check_id}: claim superseded"
    outcome = probe.poll(check)  # outside any transaction
    return services.poll_result_record(check_id=check_id, token=check.poll_token, outcome=outcome)


@shared_task(ignore_result=True)
def results_prune_task() -> str:
    return f"{services.results_prune()} old check results deleted"
