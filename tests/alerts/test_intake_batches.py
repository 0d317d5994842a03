"""A large delivery is applied in short transactions (issue 12, item 3): bounded batches that a
retry resumes, and declarations that never wait behind a delivery in progress."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from alerts.models import Alert, AlertDelivery, AlertGroup, DeliveryStatus
from alerts.services import (
    BATCH_ALERTS,
    BATCH_GROUPS,
    delivery_batches,
    delivery_process,
)
from alerts.types import AlertSignal
from incidents import services as incident_services
from incidents.models import Incident, Source
from tests.alerts.conftest import delivery_stored
from tests.concurrency import run_together, wait_for
from tests.factories import severity


def signals(count: int, *, groups: int | None = None, prefix: str = "k") -> list[AlertSignal]:
    """`count` firing alerts; each its own group unless `groups` is given."""
    return [
        AlertSignal(
            fingerprint=f"{prefix}-{n:04d}",
            group_key=f"group-{n % groups if groups else n:04d}",
            status="firing",
            title=f"Queue {n} backed up",
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_batches_hold_whole_groups_up_to_the_bounds(make_integration):
    integration = make_integration(kind="generic")
    many_groups = delivery_batches(integration, signals(25))
    assert [len(batch) for batch in many_groups] == [BATCH_GROUPS, BATCH_GROUPS, 5]
    one_big_group = delivery_batches(integration, signals(BATCH_ALERTS * 2 + 3, groups=1))
    assert [len(batch) for batch in one_big_group] == [BATCH_ALERTS, BATCH_ALERTS, 3]
    # A repeated fingerprint counts once, its last signal winning.
    repeated = [*signals(3), AlertSignal("k-0001", "group-0001", "resolved", "Queue 1 ok")]
    (batch,) = delivery_batches(integration, repeated)
    assert [signal.status for signal in batch] == ["firing", "resolved", "firing"]


@pytest.mark.django_db
def test_each_batch_is_recorded_as_done_and_the_delivery_processed_at_the_end(make_integration):
    integration = make_integration(kind="generic")
    delivery = delivery_stored(integration, signals(25))
    delivery_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.batches_done, delivery.attempts) == ("processed", 3, 1)
    assert Incident.objects.count() == 25
    assert delivery_process(delivery_id=delivery.pk).endswith("nothing to do")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_batch_is_retried_from_where_it_stopped_and_nothing_counts_twice(
    make_integration,
):
    integration = make_integration(kind="generic")
    delivery = delivery_stored(integration, signals(35))  # batches of 10, 10, 10, 5
    with connection.cursor() as cursor:  # the database refuses one alert of the third batch
        cursor.execute(
            """CREATE FUNCTION refuse_k_0024() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
               CREATE TRIGGER refuse_k_0024 BEFORE INSERT ON alerts_alert FOR EACH ROW
               WHEN (NEW.fingerprint = 'k-0024') EXECUTE FUNCTION refuse_k_0024();"""
        )
    try:
        assert "failed" in delivery_process(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.batches_done) == (DeliveryStatus.FAILED, 2)
        assert "refused for the test" in delivery.error
        assert Alert.objects.count() == 20  # the first two batches stay committed
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_k_0024 ON alerts_alert;")
            cursor.execute("DROP FUNCTION refuse_k_0024();")
    delivery_process(delivery_id=delivery.pk)  # as the sweep does
    delivery.refresh_from_db()
    assert (delivery.status, delivery.batches_done) == (DeliveryStatus.PROCESSED, 4)
    assert Alert.objects.count() == 35
    assert Alert.objects.aggregate(total=Sum("delivery_count"))["total"] == 35
    assert Incident.objects.count() == 35


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_declarations_do_not_wait_behind_a_1000_alert_delivery_in_progress(make_integration):
    """One delivery of 1,000 new groups took 60 s in one transaction, and declarations waited
    behind it. Here the delivery is held in the middle of a batch (a row it needs is locked by
    the test) while four threads declare incidents with a lock timeout: none may wait on it."""
    integration = make_integration(kind="generic")
    blocker = incident_services.incident_create(
        title="Group 0500 already open", severity=severity(3), actor=None, source=Source.ALERT
    )
    AlertGroup.objects.create(integration=integration, group_key="group-0500", incident=blocker)
    delivery = delivery_stored(integration, signals(1000))
    locked, release = threading.Event(), threading.Event()

    def hold_group_0500() -> None:
        try:
            with transaction.atomic():
                AlertGroup.objects.select_for_update().get(group_key="group-0500")
                locked.set()
                release.wait(timeout=300)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_group_0500, daemon=True)
    holder.start()
    assert locked.wait(timeout=60)
    results: list[str] = []

    def process() -> None:
        try:
            results.append(delivery_process(delivery_id=delivery.pk))
        finally:
            connections.close_all()

    processor = threading.Thread(target=process, daemon=True)
    processor.start()
    try:
        # The processor reaches group 0500 (batch 51 of 100) and waits inside that batch.
        wait_for(
            lambda: AlertDelivery.objects.get(pk=delivery.pk).batches_done == 50,
            what="the delivery to reach the locked group",
            timeout=240,
        )
        declared: list[int] = []

        def declare(n: int):
            def job() -> None:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '10s'")  # waiting fails the job
                    incident = incident_services.incident_create(
                        title=f"Declared during the storm {n}",
                        severity=severity(2),
                        actor=None,
                        source=Source.API,
                    )
                declared.append(incident.number)

            return job

        assert run_together(*(declare(n) for n in range(4))) == []
        assert len(declared) == 4
        # Still held in the middle: the declarations did not wait for it to finish.
        assert AlertDelivery.objects.get(pk=delivery.pk).batches_done == 50
    finally:
        release.set()
        holder.join(timeout=60)
        processor.join(timeout=300)
    assert len(results) == 1
    assert "1000 alerts" in results[0], results
    assert Alert.objects.filter(incident__isnull=False).count() == 1000
    assert Incident.objects.count() == 1 + 999 + 4
    numbers = list(Incident.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
