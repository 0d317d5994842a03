"""Prometheus Alertmanager webhooks, replayed from real captures in tests/fixtures."""

from __future__ import annotations

import pytest

from alerts.models import Alert, AlertDelivery, DeliveryStatus
from incidents.models import Incident, IncidentStatus, TimelineEvent
from tests.alerts.conftest import fixture_body

AM = "alertmanager/{}.json"
SEQUENCE = [
    "01-diskspacelow-firing",
    "02-higherrorrate-firing-2-alerts",
    "03-higherrorrate-firing-3rd-instance-added",
    "04-higherrorrate-firing-one-alert-resolved",
    "05-higherrorrate-resolved",
    "06-diskspacelow-resolved",
]


def replay(post_hook, integration, name: str):
    response = post_hook(integration, fixture_body(AM.format(name)))
    assert response.status_code == 202, response.content
    return response


@pytest.mark.django_db
def test_a_firing_group_opens_one_triggered_incident_with_mapped_severity(
    post_hook, make_integration
):
    integration = make_integration()
    response = replay(post_hook, integration, "02-higherrorrate-firing-2-alerts")
    assert response.json()["alerts"] == 2
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert incident.source == "alert"
    assert incident.severity.name == "SEV-1"  # severity=critical
    assert list(incident.services.values_list("slug", flat=True)) == ["api"]
    assert "HighErrorRate" in incident.title or "error rate" in incident.title.lower()
    assert incident.alerts.count() == 2
    alert = incident.alerts.first()
    assert alert.ends_at is None  # Go's zero time means "no end"
    assert alert.links
    assert alert.links[0]["href"].startswith("http")


@pytest.mark.django_db
def test_the_whole_captured_sequence_groups_dedups_and_auto_resolves(post_hook, make_integration):
    integration = make_integration()
    replay(post_hook, integration, SEQUENCE[0])
    disk = Incident.objects.get()
    assert disk.severity.name == "SEV-3"  # severity=warning

    replay(post_hook, integration, SEQUENCE[1])
    replay(post_hook, integration, SEQUENCE[2])
    errors = Incident.objects.exclude(pk=disk.pk).get()
    assert errors.alerts.count() == 3
    api1 = errors.alerts.get(labels__instance="api-1:8080")
    assert api1.delivery_count == 2
    attached = TimelineEvent.objects.get(incident=errors, kind="incident.alerts_attached")
    assert attached.data["count"] == 1

    replay(post_hook, integration, SEQUENCE[3])
    errors.refresh_from_db()
    assert errors.status == IncidentStatus.TRIGGERED
    assert errors.alerts.get(labels__instance="api-3:8080").status == "resolved"

    replay(post_hook, integration, SEQUENCE[4])
    errors.refresh_from_db()
    assert errors.status == IncidentStatus.RESOLVED
    resolved = TimelineEvent.objects.get(incident=errors, kind="incident.resolved")
    assert (resolved.source, resolved.actor) == ("alert", None)
    assert "All alerts" in resolved.message

    replay(post_hook, integration, SEQUENCE[5])
    disk.refresh_from_db()
    assert disk.status == IncidentStatus.RESOLVED
    assert Incident.objects.count() == 2
    assert AlertDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 6


@pytest.mark.django_db
def test_a_resent_group_updates_alerts_and_never_opens_a_second_incident(
    post_hook, make_integration
):
    integration = make_integration()
    for _ in range(3):
        replay(post_hook, integration, "02-higherrorrate-firing-2-alerts")
    assert Incident.objects.count() == 1
    assert sorted(Alert.objects.values_list("delivery_count", flat=True)) == [3, 3]
    assert AlertDelivery.objects.count() == 3


@pytest.mark.django_db
def test_a_group_firing_again_after_resolution_opens_a_new_incident(post_hook, make_integration):
    integration = make_integration()
    replay(post_hook, integration, "01-diskspacelow-firing")
    replay(post_hook, integration, "06-diskspacelow-resolved")
    replay(post_hook, integration, "01-diskspacelow-firing")
    first, second = Incident.objects.order_by("number")
    assert first.status == IncidentStatus.RESOLVED
    assert second.status == IncidentStatus.TRIGGERED
    assert Alert.objects.get().incident == second


@pytest.mark.django_db
def test_auto_resolve_can_be_switched_off(post_hook, make_integration):
    integration = make_integration(auto_resolve=False)
    replay(post_hook, integration, "01-diskspacelow-firing")
    replay(post_hook, integration, "06-diskspacelow-resolved")
    assert Incident.objects.get().status == IncidentStatus.TRIGGERED
    assert Alert.objects.get().status == "resolved"


@pytest.mark.django_db
def test_a_truncated_group_is_accepted_with_what_it_lists(post_hook, make_integration):
    integration = make_integration()
    response = replay(post_hook, integration, "07-higherrorrate-firing-truncated-max-alerts-1")
    assert response.json()["alerts"] == 1
    alert = Alert.objects.get()
    assert alert.starts_at is not None  # nanosecond precision, truncated to microseconds
    assert alert.links == []  # empty generatorURL


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "/"])
def test_the_hook_answers_with_and_without_a_trailing_slash(post_hook, make_integration, suffix):
    integration = make_integration()
    path = f"/hooks/alertmanager/{integration.test_key}{suffix}"
    response = post_hook(integration, fixture_body(AM.format(SEQUENCE[0])), path=path)
    assert response.status_code == 202


@pytest.mark.django_db
def test_a_mapping_on_the_integration_overrides_the_default_severity(post_hook, make_integration):
    integration = make_integration(severity_mapping={"warning": 2})
    replay(post_hook, integration, "01-diskspacelow-firing")
    assert Incident.objects.get().severity.name == "SEV-2"


@pytest.mark.django_db
def test_grouping_by_labels_overrides_alertmanagers_group_key(post_hook, make_integration):
    integration = make_integration(group_by_labels=["instance"])
    replay(post_hook, integration, "02-higherrorrate-firing-2-alerts")
    # One Alertmanager group, but two instances: two incidents.
    assert Incident.objects.count() == 2
    assert sorted(Alert.objects.values_list("group_key", flat=True)) == [
        "labels:instance=api-1:8080",
        "labels:instance=api-2:8080",
    ]
