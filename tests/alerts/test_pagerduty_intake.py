"""PagerDuty Events API v2 compatibility, with bodies captured from the `pagerduty` client."""

from __future__ import annotations

import pytest

from alerts.models import Alert, AlertDelivery
from incidents.models import Incident, IncidentStatus
from tests.alerts.conftest import fixture_body

PD = "pagerduty/{}.json"


@pytest.fixture
def pd(make_integration):
    return make_integration(kind="pagerduty")


@pytest.fixture
def enqueue(post_hook, pd):
    def send(name_or_body, *, path="/v2/enqueue"):
        body = (
            fixture_body(PD.format(name_or_body)) if isinstance(name_or_body, str) else name_or_body
        )
        body = {**body, "routing_key": pd.test_key}
        return post_hook(pd, body, path=path)

    return send


@pytest.mark.django_db
def test_trigger_acknowledge_resolve_drive_the_incident(enqueue):
    response = enqueue("01-trigger-full-dedup-key-custom-details-links-images")
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "firebell-test-dedup-0001",
    }
    incident = Incident.objects.get()
    assert (incident.status, incident.severity.name) == (IncidentStatus.TRIGGERED, "SEV-1")
    alert = Alert.objects.get()
    assert alert.title == "High 5xx error rate on api-1:8080"
    assert [link["href"] for link in alert.links] == [
        "https://grafana.example.internal/d/api-errors",
        "https://grafana.example.internal/render/api-errors.png",
    ]
    assert alert.labels["component"] == "api"

    assert enqueue("02-acknowledge").status_code == 202
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.timeline.filter(kind="incident.acknowledged", source="alert").exists()

    assert enqueue("03-resolve").status_code == 202
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_a_trigger_without_dedup_key_gets_one_generated_and_returned(enqueue):
    response = enqueue("04-trigger-minimal-no-dedup-key")
    assert response.status_code == 202
    dedup_key = response.json()["dedup_key"]
    assert len(dedup_key) == 32
    assert Alert.objects.get().fingerprint == dedup_key
    assert Incident.objects.get().severity.name == "SEV-3"  # warning


@pytest.mark.django_db
def test_send_event_with_client_url_becomes_a_link(enqueue):
    assert enqueue("05-trigger-send-event-client-client-url").status_code == 202
    assert any(link["href"].startswith("http") for link in Alert.objects.get().links)


@pytest.mark.django_db
def test_a_repeated_trigger_with_the_same_dedup_key_updates_the_alert(enqueue):
    for _ in range(2):
        enqueue("01-trigger-full-dedup-key-custom-details-links-images")
    assert Incident.objects.count() == 1
    assert Alert.objects.get().delivery_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["02-acknowledge", "03-resolve"])
def test_acknowledge_or_resolve_for_an_unknown_key_is_accepted_and_ignored(enqueue, action):
    response = enqueue(action)
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "firebell-test-dedup-0001"
    assert Alert.objects.count() == 0
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_change_event_is_accepted_and_stored(enqueue):
    response = enqueue("06-change-event", path="/v2/change/enqueue")
    assert response.status_code == 202
    assert response.json()["status"] == "success"
    assert AlertDelivery.objects.get().status == "processed"
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_the_routing_key_is_not_kept_in_the_stored_body(enqueue, pd):
    enqueue("01-trigger-full-dedup-key-custom-details-links-images")
    delivery = AlertDelivery.objects.get()
    assert pd.test_key not in delivery.body
    assert "routing_key" not in Alert.objects.get().raw


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"event_action": "explode"}, "event_action"),
        ({"payload": {"source": "x", "severity": "critical"}}, "payload.summary"),
        ({"payload": {"summary": "x", "source": "x", "severity": "fatal"}}, "payload.severity"),
        ({"payload": "not an object"}, "payload"),
        ({"event_action": "acknowledge", "dedup_key": None}, "dedup_key"),
    ],
)
def test_an_invalid_event_gets_pagerdutys_error_shape(enqueue, change, error):
    body = {**fixture_body(PD.format("04-trigger-minimal-no-dedup-key")), **change}
    response = enqueue(body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["status"] == "invalid event"
    assert payload["message"] == "Event object is invalid"
    assert any(error in item for item in payload["errors"])
    assert AlertDelivery.objects.get().status == "rejected"


@pytest.mark.django_db
def test_an_unknown_routing_key_is_404(post_hook, pd):
    body = {**fixture_body(PD.format("02-acknowledge")), "routing_key": "nope" * 8}
    response = post_hook(pd, body, path="/v2/enqueue")
    assert response.status_code == 404
    assert AlertDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_routing_key_is_400(post_hook, pd):
    response = post_hook(pd, {"event_action": "trigger"}, path="/v2/enqueue")
    assert response.status_code == 400
    assert "routing_key" in response.json()["errors"][0]
