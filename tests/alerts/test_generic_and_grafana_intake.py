from __future__ import annotations

import pytest

from alerts.models import Alert
from incidents.models import Incident, IncidentStatus

GRAFANA_BODY = {
    "receiver": "firebell",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighLatency", "service": "api", "severity": "critical"},
            "annotations": {"summary": "p99 latency above 2s"},
            "startsAt": "2026-11-22T07:30:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
            "fingerprint": "a1b2c3d4e5f60718",
            "silenceURL": "https://grafana.example/alerting/silence/new?matcher=x",
            "dashboardURL": "https://grafana.example/d/xyz",
            "panelURL": "https://grafana.example/d/xyz?viewPanel=2",
            "values": {"B": 2.31, "C": 1},
            "valueString": "[ var='B' value=2.31 ]",
        }
    ],
    "groupLabels": {"alertname": "HighLatency"},
    "commonLabels": {"alertname": "HighLatency", "service": "api", "severity": "critical"},
    "commonAnnotations": {"summary": "p99 latency above 2s"},
    "externalURL": "https://grafana.example/",
    "version": "1",
    "groupKey": '{}:{alertname="HighLatency"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] HighLatency api",
    "state": "alerting",
    "message": "**Firing**\n\nValue: B=2.31",
}


@pytest.mark.django_db
def test_a_grafana_alert_opens_an_incident_with_dashboard_links(post_hook, make_integration):
    integration = make_integration(kind="grafana")
    response = post_hook(integration, GRAFANA_BODY)
    assert response.status_code == 202
    incident = Incident.objects.get()
    assert incident.title == "HighLatency api"
    assert incident.severity.name == "SEV-1"
    alert = Alert.objects.get()
    assert [link["text"] for link in alert.links] == ["Source", "Dashboard", "Panel", "Silence"]
    assert "B=2.31" in alert.description


@pytest.mark.django_db
def test_a_grafana_recovery_resolves_the_incident(post_hook, make_integration):
    integration = make_integration(kind="grafana")
    post_hook(integration, GRAFANA_BODY)
    resolved = {
        **GRAFANA_BODY,
        "status": "resolved",
        "alerts": [
            {**GRAFANA_BODY["alerts"][0], "status": "resolved", "endsAt": "2026-11-22T07:40:00Z"}
        ],
    }
    assert post_hook(integration, resolved).status_code == 202
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_a_generic_alert_is_deduplicated_by_its_key_and_resolved(post_hook, make_integration):
    integration = make_integration(kind="generic")
    body = {
        "title": "Queue backlog above 10k",
        "dedup_key": "queue-backlog",
        "severity": "sev2",
        "source": "worker-3",
        "details": {"depth": 12000},
        "links": ["https://x.example/q"],
    }
    for _ in range(2):
        response = post_hook(integration, body)
        assert response.status_code == 202
        assert response.json()["fingerprints"] == ["queue-backlog"]
    incident = Incident.objects.get()
    assert incident.severity.name == "SEV-2"
    assert Alert.objects.get().delivery_count == 2
    post_hook(integration, {**body, "status": "resolved"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_a_generic_alert_without_dedup_key_is_keyed_by_title_and_source(
    post_hook, make_integration
):
    integration = make_integration(kind="generic")
    post_hook(integration, {"title": "Disk full", "source": "db-1"})
    post_hook(integration, {"title": "Disk full", "source": "db-1"})
    post_hook(integration, {"title": "Disk full", "source": "db-2"})
    assert Alert.objects.count() == 2
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_a_generic_batch_is_accepted_as_several_alerts(post_hook, make_integration):
    integration = make_integration(kind="generic")
    response = post_hook(
        integration, [{"title": "A", "dedup_key": "a"}, {"title": "B", "dedup_key": "b"}]
    )
    assert response.json()["alerts"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x", "status": "exploded"}, "status"),
        ({"title": "x", "details": [1, 2]}, "details"),
        ({"title": "x", "links": "https://x"}, "links"),
        ([{"title": "ok"}, {"nope": 1}], "[1].title"),
        ([], "body"),
        ("just a string", "body"),
    ],
)
def test_a_bad_generic_alert_gets_400_naming_the_field(post_hook, make_integration, body, field):
    integration = make_integration(kind="generic")
    response = post_hook(integration, body)
    assert response.status_code == 400
    payload = response.json()
    assert field in payload["errors"], payload
    assert field in payload["message"]
