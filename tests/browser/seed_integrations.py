"""Integrations with some traffic, for the integrations screenshots; written through the hooks."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client

from alerts.services import integration_create, integration_set_maintenance, integration_update
from core import clock
from incidents.models import Service, Severity


def _post(client: Client, url: str, body: dict) -> None:
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code in {202, 400}, response.content


def _alertmanager(name: str, summary: str, severity: str, instance: str) -> dict:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "firebell",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "commonLabels": {"alertname": name, "service": "payments"},
        "alerts": [
            {
                "status": "firing",
                "fingerprint": f"{name}-{instance}",
                "labels": {
                    "alertname": name,
                    "severity": severity,
                    "instance": instance,
                    "service": "payments",
                },
                "annotations": {"summary": summary},
                "generatorURL": "https://prometheus.example.com/graph?g0.expr=up",
            }
        ],
    }


def seed_integrations() -> dict:
    """Four integrations: one busy Alertmanager, one Grafana in maintenance, a PagerDuty-style
    sender and a disabled generic one. Returns them by kind (each with its key as `.key`)."""
    services = {service.slug: service for service in Service.objects.all()}
    sev3 = Severity.objects.get(rank=3)
    made = {}
    for kind, name, slug in [
        ("alertmanager", "prod-alertmanager", "payments"),
        ("grafana", "grafana-checkout", "checkout"),
        ("pagerduty", "datadog-events", "search"),
        ("generic", "nightly-jobs", "notifications"),
    ]:
        integration, key = integration_create(
            service=services[slug], kind=kind, name=name, actor=None, default_severity=sev3
        )
        integration.key = key
        made[kind] = integration
    client = Client(REMOTE_ADDR="10.0.4.12")
    am = made["alertmanager"]
    url = f"/hooks/alertmanager/{am.key}"
    _post(
        client,
        url,
        _alertmanager("CardAuthErrors", "EU card authorisations failing", "critical", "acq-eu-1"),
    )
    _post(
        client,
        url,
        _alertmanager("CardAuthLatency", "Acquirer p99 above 2s", "warning", "acq-eu-1"),
    )
    _post(
        client,
        url,
        _alertmanager("CardAuthErrors", "EU card authorisations failing", "critical", "acq-eu-1"),
    )
    _post(client, url, {"version": "4", "alerts": [{"status": "sleeping", "labels": {"a": "b"}}]})
    _post(
        client,
        url,
        _alertmanager("CardAuthErrors", "EU card authorisations failing", "critical", "acq-eu-2"),
    )
    _post(
        client,
        "/v2/enqueue",
        {
            "routing_key": made["pagerduty"].key,
            "event_action": "trigger",
            "payload": {
                "summary": "Search p95 above 800 ms",
                "source": "dd-agent",
                "severity": "warning",
            },
        },
    )
    integration_set_maintenance(
        integration=made["grafana"], until=clock.now() + timedelta(hours=3), actor=None
    )
    integration_update(integration=made["generic"], actor=None, enabled=False)
    return made
