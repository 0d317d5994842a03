"""Intake under pressure: concurrent deliveries of a new group on PostgreSQL, a 10,000-alert storm,
and the real `pagerduty` client talking to a live server."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pagerduty
import pytest
from django.db.models import Sum

from alerts.models import Alert, AlertDelivery, AlertGroup, DeliveryStatus, Integration
from alerts.services import (
    deliveries_sweep,
    delivery_process,
    delivery_record,
    integration_create,
)
from core import clock
from core.errors import ValidationError
from incidents.models import Incident, IncidentStatus, Severity
from integrations.alertmanager import parser as alertmanager
from oncall.models import Page
from tests.alerts.conftest import delivery_stored, fixture_body
from tests.concurrency import run_together
from tests.oncall.conftest import person, policy_of
from tests.standins import fixtures

standins = fixtures.standins
TEMPLATE = fixture_body("alertmanager/01-diskspacelow-firing.json")
GROUP_KEY = '{}:{alertname="DiskSpaceLow"}'


def storm_body(first: int, count: int, *, status: str = "firing") -> dict:
    """An Alertmanager v4 body of `count` alerts of one group, one per instance."""
    body = copy.deepcopy(TEMPLATE)
    alert = body["alerts"][0]
    body["status"] = status
    body["alerts"] = []
    for n in range(first, first + count):
        one = copy.deepcopy(alert)
        one["status"] = status
        one["labels"]["instance"] = f"db-{n}:9100"
        one["fingerprint"] = f"{n:016x}"
        if status == "resolved":
            one["endsAt"] = "2026-11-22T08:00:00Z"
        body["alerts"].append(one)
    return body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_new_group_open_exactly_one_incident(make_integration):
    integration = make_integration()
    workers = 6
    deliveries = [  # stored without tasks: eager ones would process them one by one at once
        delivery_stored(integration, alertmanager.parse(storm_body(n * 10, 10)))
        for n in range(workers)
    ]
    errors = run_together(
        *(lambda d=delivery: delivery_process(delivery_id=d.pk) for delivery in deliveries)
    )

    assert errors == []
    assert Incident.objects.count() == 1
    assert AlertGroup.objects.filter(is_open=True).count() == 1
    incident = Incident.objects.get()
    assert incident.alerts.count() == workers * 10
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PROCESSED}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_processed_by_two_workers_at_once_counts_once(make_integration):
    integration = make_integration()
    # Stored without a task: an eager one would process it before the three workers start.
    delivery = delivery_stored(integration, alertmanager.parse(storm_body(0, 20)))
    errors = run_together(*(lambda: delivery_process(delivery_id=delivery.pk),) * 3)

    assert errors == []
    assert Incident.objects.count() == 1
    assert Alert.objects.aggregate(total=Sum("delivery_count"))["total"] == 20


@pytest.mark.django_db
def test_a_storm_of_10000_alerts_in_one_group_opens_one_incident_and_pages_once(
    post_hook, make_integration, api_service, standins
):
    responder = person("pat-storm")
    api_service.escalation_policy = policy_of("Storm", (5, [responder]))
    api_service.save()
    integration = make_integration()
    batch, total = 500, 10_000

    for first in range(0, total, batch):  # Alertmanager's max batch is its own; 20 posts here
        response = post_hook(integration, storm_body(first, batch))
        assert response.status_code == 202, response.content
    # Alertmanager re-sends the whole group every group_interval: repeats fold into the alerts.
    for first in range(0, total, batch):
        assert post_hook(integration, storm_body(first, batch)).status_code == 202

    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert Alert.objects.count() == total
    assert incident.alerts.count() == total
    assert set(Alert.objects.values_list("delivery_count", flat=True)) == {2}
    assert AlertDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 40
    assert Page.objects.filter(incident=incident).count() == 1
    assert len(standins.emails_to(responder)) == 1
    # The timeline says alerts joined without one entry per alert.
    assert incident.timeline.filter(kind="incident.alerts_attached").count() < 20

    for first in range(0, total, batch):
        assert (
            post_hook(integration, storm_body(first, batch, status="resolved")).status_code == 202
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db(transaction=True)
def test_the_real_pagerduty_client_triggers_acknowledges_and_resolves(
    live_server, make_integration
):
    integration = make_integration(kind="pagerduty")
    client = pagerduty.EventsApiV2Client(integration.test_key)
    client._url = live_server.url  # the client's setter insists on https (see NOTES.md)
    client.sleep_timer = 0.01
    now = clock.now()

    dedup_key = client.trigger(
        "Checkout latency above 2 s",
        "checkout-1",
        severity="error",
        payload={"component": "checkout", "timestamp": now.isoformat()},
        custom_details={"p99_ms": 2380},
    )
    assert dedup_key  # generated by Firebell, as PagerDuty does when none is given
    incident = Incident.objects.get()
    assert incident.severity.name == "SEV-2"  # error → SEV-2
    assert incident.alerts.get().fingerprint == dedup_key

    assert client.acknowledge(dedup_key) == dedup_key
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED

    assert client.resolve(dedup_key) == dedup_key
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert AlertDelivery.objects.count() == 3
    assert all("routing_key" not in json.loads(d.body) for d in AlertDelivery.objects.all())


@pytest.mark.django_db
def test_the_sweep_retries_a_delivery_whose_processing_failed(make_integration):
    integration = make_integration()
    delivery = delivery_record(
        integration=integration,
        body="{}",
        headers={},
        source_ip=None,
        signals=alertmanager.parse(storm_body(0, 3)),
    )
    AlertDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        assert deliveries_sweep() == 1
    assert Incident.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_integrations_created_at_once_with_one_name_give_one_and_a_clear_error(api_service):
    severity = Severity.objects.get(rank=3)

    def create():
        integration_create(
            service=api_service,
            kind="alertmanager",
            name="prod-alertmanager",
            actor=None,
            default_severity=severity,
        )

    errors = run_together(*(create,) * 4)
    assert Integration.objects.filter(name="prod-alertmanager").count() == 1
    assert len(errors) == 3
    assert all(isinstance(error, ValidationError) for error in errors), errors
