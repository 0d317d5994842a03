"""/metrics: access by token or network, and the figures read from the database and broker."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from alerts.services import delivery_record, integration_create
from alerts.types import AlertSignal
from checks import services as check_services
from checks.models import CheckKind
from core import clock
from core.services import worker_heartbeat_record
from incidents import services as incident_services
from incidents.models import Severity, Source
from oncall.models import EscalationState, EscalationStatus, Page, PageStatus
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_need_the_token_or_an_allowed_network(client, settings):
    settings.FIREBELL_METRICS_TOKEN = "s3cret"
    settings.FIREBELL_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    settings.FIREBELL_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


def test_metrics_report_deliveries_escalation_pages_worker_and_checks(client, defaults):
    service = ServiceFactory(slug="api")
    integration, _key = integration_create(service=service, kind="generic", name="prod", actor=None)
    signal = AlertSignal(fingerprint="f", group_key="g", status="firing", title="t")
    with clock.frozen_at(clock.now() - timedelta(minutes=2)):
        delivery_record(
            integration=integration, body="{}", headers={}, source_ip=None, signals=[signal]
        )
    delivery_record(
        integration=integration, body="x", headers={}, source_ip=None, signals=None, error="bad"
    )
    incident = incident_services.incident_create(
        title="Down",
        severity=Severity.objects.get(rank=2),
        actor=None,
        source=Source.WEB,
        paging=False,
    )
    EscalationState.objects.update_or_create(
        incident=incident,
        defaults={
            "status": EscalationStatus.ACTIVE,
            "next_step_at": clock.now() - timedelta(minutes=1),
        },
    )
    for status in (PageStatus.SENT, PageStatus.SENT, PageStatus.FAILED):
        Page.objects.create(
            incident=incident,
            channel="email",
            status=status,
            due_at=clock.now(),
            level=Page.objects.count(),
        )
    worker_heartbeat_record()
    check_services.check_create(actor=None, name="cron", kind=CheckKind.HEARTBEAT, service=service)
    found = samples(client.get("/metrics").content.decode())

    def value(name: str, **labels: str) -> float:
        return found[(name, tuple(sorted(labels.items())))]

    assert (
        value(
            "firebell_webhook_deliveries_total",
            integration="prod",
            kind="generic",
            status="pending",
        )
        == 1
    )
    assert (
        value(
            "firebell_webhook_deliveries_total",
            integration="prod",
            kind="generic",
            status="rejected",
        )
        == 1
    )
    assert 110 < value("firebell_webhook_oldest_unprocessed_delivery_age_seconds") < 600
    assert value("firebell_escalation_steps_overdue") == 1
    assert value("firebell_escalation_oldest_overdue_step_seconds") >= 60
    assert value("firebell_pages_total", channel="email", status="sent") == 2
    assert value("firebell_pages_total", channel="email", status="failed") == 1
    assert 0 <= value("firebell_worker_heartbeat_age_seconds", queue="worker") < 60
    assert value("firebell_worker_heartbeat_age_seconds", queue="paging") == -1
    assert value("firebell_checks", kind="heartbeat", status="new") == 1
    assert value("firebell_broker_up") == 1
    depths = [v for (name, _labels), v in found.items() if name == "firebell_queue_depth"]
    assert depths
    assert all(depth >= 0 for depth in depths)
