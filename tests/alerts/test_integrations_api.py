"""The integrations API: list, create (key once), read, update, rotate, maintenance, deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from alerts.models import AlertDelivery, DeliveryStatus, Integration, intake_key_hash
from core import clock
from tests.api import assert_error, client_for
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.django_db
LIST = "/api/v1/integrations/"


def create(client: APIClient, **body) -> dict:
    body = {"service": "api", "kind": "alertmanager", "name": "prod-alertmanager", **body}
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- Create, and the key shown once ----------------------------------------------------------


def test_an_admin_creates_an_integration_and_sees_its_key_and_url_once(admin_user, api_service):
    client = client_for(admin_user)
    body = create(
        client,
        default_severity="SEV-2",
        severity_mapping={"Critical": 1, "warning": "SEV-4"},
        group_by_labels=["alertname", "cluster"],
        auto_resolve=False,
    )
    key = body["intake_key"]
    assert body["intake_url"] == f"http://127.0.0.1:8000/hooks/alertmanager/{key}"
    assert body["key_prefix"] == key[:6]
    assert body["default_severity"] == {"rank": 2, "name": "SEV-2", "label": "High"}
    assert body["severity_mapping"] == {"critical": 1, "warning": 4}
    assert body["group_by_labels"] == ["alertname", "cluster"]
    assert body["auto_resolve"] is False
    assert body["service"] == {"slug": "api", "name": "API"}
    integration = Integration.objects.get()
    assert integration.key_hash == intake_key_hash(key)

    again = client.get(f"{LIST}{body['id']}/").json()
    assert "intake_key" not in again
    assert key not in json.dumps(again)
    assert again["intake_url"] == f"http://127.0.0.1:8000/hooks/alertmanager/{key[:6]}{'•' * 12}"
    assert key not in json.dumps(client.get(LIST).json())


def test_the_created_key_is_accepted_by_the_hook(admin_user, api_service, client):
    body = create(client_for(admin_user))
    response = client.post(
        f"/hooks/alertmanager/{body['intake_key']}",
        data=json.dumps({"version": "4", "alerts": [{"labels": {"alertname": "Up"}}]}),
        content_type="application/json",
    )
    assert response.status_code == 202, response.content


def test_a_pagerduty_integration_gets_the_events_url_and_a_routing_key(admin_user, api_service):
    body = create(client_for(admin_user), kind="pagerduty", name="pd")
    assert body["intake_url"] == "http://127.0.0.1:8000/v2/enqueue"
    assert len(body["intake_key"]) > 20


def test_create_answers_a_location_and_the_default_severity_is_sev_3(admin_user, api_service):
    response = client_for(admin_user).post(
        LIST, {"service": "api", "kind": "generic", "name": "cron"}, format="json"
    )
    assert response.status_code == 201
    assert response["Location"].endswith(f"{LIST}{response.json()['id']}/")
    assert response.json()["default_severity"]["name"] == "SEV-3"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nagios"}, "kind"),
        ({"service": "nope"}, "service"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"default_severity": "SEV-9"}, "default_severity"),
        ({"severity_mapping": {"critical": 9}}, "severity_mapping"),
        ({"severity_mapping": ["critical"]}, "severity_mapping"),
        ({"group_by_labels": "alertname"}, "group_by_labels"),
        ({"group_by_labels": ["a", "a"]}, "group_by_labels"),
        ({"group_by_labels": [""]}, "group_by_labels"),
        ({"enabled": "maybe"}, "enabled"),
        ({"sevrity": 1}, "sevrity"),
        ({"severity_mapping": {"a\u0000b": 1}}, "severity_mapping"),
        ({"severity_mapping": {"x" * 61: 1}}, "severity_mapping"),
        ({"severity_mapping": {"critical": True}}, "severity_mapping"),
        ({"name": "a\u0000b"}, "name"),
    ],
)
def test_a_bad_create_is_a_400_naming_the_field(admin_user, api_service, body, field):
    full = {"service": "api", "kind": "alertmanager", "name": "am", **body}
    assert_error(client_for(admin_user).post(LIST, full, format="json"), 400, field)
    assert not Integration.objects.exists()


def test_a_name_used_by_the_service_already_is_a_400(admin_user, api_service):
    client = client_for(admin_user)
    create(client)
    body = assert_error(
        client.post(
            LIST, {"service": "api", "kind": "grafana", "name": "prod-alertmanager"}, format="json"
        ),
        400,
        "name",
    )
    assert "Already used" in body["errors"]["name"][0]


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '"text"', "null"])
def test_a_body_that_is_not_an_object_is_a_400(admin_user, api_service, payload):
    response = client_for(admin_user).post(LIST, payload, content_type="application/json")
    assert_error(response, 400)


# --- Permissions -------------------------------------------------------------------------------


def test_responders_and_viewers_read_but_cannot_change(
    responder, viewer, make_integration, api_service
):
    integration = make_integration()
    for user in (responder, viewer):
        client = client_for(user)
        assert [row["name"] for row in client.get(LIST).json()] == [integration.name]
        assert client.get(f"{LIST}{integration.pk}/").status_code == 200
        assert client.get(f"{LIST}{integration.pk}/deliveries/").status_code == 200
        assert_error(client.post(LIST, {"service": "api", "kind": "generic", "name": "x"}), 403)
        url = f"{LIST}{integration.pk}/"
        assert_error(client.patch(url, {"enabled": False}, format="json"), 403)
        assert_error(client.post(f"{url}rotate-key/"), 403)
        assert_error(client.post(f"{url}maintenance/", {"minutes": 10}, format="json"), 403)
        assert_error(client.delete(f"{url}maintenance/"), 403)
    integration.refresh_from_db()
    assert integration.enabled
    assert integration.maintenance_until is None


def test_people_outside_the_groups_get_403_on_the_list_and_404_on_one(outsider, make_integration):
    integration = make_integration()
    client = client_for(outsider)
    assert_error(client.get(LIST), 403)
    for suffix in ("", "deliveries/"):
        assert_error(client.get(f"{LIST}{integration.pk}/{suffix}"), 404)
    assert_error(client.post(f"{LIST}{integration.pk}/rotate-key/"), 404)


def test_anonymous_callers_get_401():
    assert APIClient().get(LIST).status_code == 401


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_an_unknown_integration_is_a_404(admin_user, pk):
    client = client_for(admin_user)
    assert_error(client.get(f"{LIST}{pk}/"), 404)
    assert_error(client.patch(f"{LIST}{pk}/", {"enabled": False}, format="json"), 404)


# --- Update ---------------------------------------------------------------------------------


def test_an_admin_changes_the_settings_and_the_rest_stays(admin_user, make_integration):
    integration = make_integration(severity_mapping={"warning": 4})
    response = client_for(admin_user).patch(
        f"{LIST}{integration.pk}/",
        {
            "name": "  renamed ",
            "enabled": False,
            "default_severity": 1,
            "group_by_labels": ["cluster"],
            "severity_label": "priority",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "renamed"
    assert body["enabled"] is False
    assert body["default_severity"]["rank"] == 1
    assert body["severity_mapping"] == {"warning": 4}
    assert body["severity_label"] == "priority"
    integration.refresh_from_db()
    assert (integration.name, integration.enabled) == ("renamed", False)
    assert integration.group_by_labels == ["cluster"]


def test_a_disabled_integration_refuses_deliveries(admin_user, make_integration, client):
    integration = make_integration()
    client_for(admin_user).patch(f"{LIST}{integration.pk}/", {"enabled": False}, format="json")
    response = client.post(
        f"/hooks/alertmanager/{integration.test_key}", data="{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_renaming_to_a_name_the_service_uses_is_a_400(admin_user, make_integration):
    make_integration(name="one")
    two = make_integration(name="two")
    assert_error(
        client_for(admin_user).patch(f"{LIST}{two.pk}/", {"name": "one"}, format="json"),
        400,
        "name",
    )


def test_the_same_name_on_another_service_is_fine(admin_user, make_integration):
    make_integration(name="one")
    ServiceFactory(slug="web", name="Web")
    body = create(client_for(admin_user), service="web", name="one")
    assert body["service"]["slug"] == "web"


def test_an_empty_patch_changes_nothing(admin_user, make_integration):
    integration = make_integration()
    response = client_for(admin_user).patch(f"{LIST}{integration.pk}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == integration.name


# --- Rotate ---------------------------------------------------------------------------------


def test_rotating_shows_the_new_key_once_and_the_old_one_stops_working(
    admin_user, make_integration, client
):
    integration = make_integration(kind="generic")
    old = integration.test_key
    response = client_for(admin_user).post(f"{LIST}{integration.pk}/rotate-key/")
    assert response.status_code == 200, response.content
    new = response.json()["intake_key"]
    assert new != old
    assert response.json()["intake_url"].endswith(f"/hooks/generic/{new}")
    body = json.dumps({"title": "Disk full"})
    assert (
        client.post(f"/hooks/generic/{old}", body, content_type="application/json").status_code
        == 404
    )
    assert (
        client.post(f"/hooks/generic/{new}", body, content_type="application/json").status_code
        == 202
    )
    assert "intake_key" not in client_for(admin_user).get(f"{LIST}{integration.pk}/").json()


# --- Maintenance --------------------------------------------------------------------------------


def test_maintenance_starts_for_a_duration_and_ends_on_delete(admin_user, make_integration):
    integration = make_integration()
    client = client_for(admin_user)
    url = f"{LIST}{integration.pk}/maintenance/"
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    with clock.frozen_at(now):
        body = client.post(url, {"minutes": 90}, format="json").json()
        assert body["in_maintenance"] is True
        assert body["maintenance_until"] == "2025-03-01T13:30:00Z"
        listed = client.get(LIST).json()[0]
        assert listed["in_maintenance"] is True
        ended = client.delete(url)
    assert ended.status_code == 200
    assert ended.json()["in_maintenance"] is False
    assert ended.json()["maintenance_until"] is None


def test_maintenance_until_a_time(admin_user, make_integration):
    integration = make_integration()
    until = (clock.now() + timedelta(hours=2)).replace(microsecond=0)
    response = client_for(admin_user).post(
        f"{LIST}{integration.pk}/maintenance/", {"until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    integration.refresh_from_db()
    assert integration.maintenance_until == until


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"minutes": 10, "until": "2030-01-01T00:00:00Z"}, "non_field_errors"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 10**12}, "minutes"),
        ({"minutes": "soon"}, "minutes"),
        ({"until": "tomorrow"}, "until"),
        ({"until": "2001-01-01T00:00:00Z"}, "until"),
        ({"until": "9999-12-31T23:59:59+14:00"}, None),
    ],
)
def test_a_bad_maintenance_request_is_a_400(admin_user, make_integration, body, field):
    integration = make_integration()
    response = client_for(admin_user).post(
        f"{LIST}{integration.pk}/maintenance/", body, format="json"
    )
    if field is None:  # an absurd but valid end: accepted or refused cleanly, never a 500
        assert response.status_code in {200, 400}
        return
    assert_error(response, 400, field)


# --- Deliveries ------------------------------------------------------------------------------


def test_deliveries_are_listed_newest_first_with_status_and_error(
    responder, make_integration, post_hook
):
    integration = make_integration(kind="generic")
    post_hook(integration, {"title": "Disk full", "dedup_key": "disk"})
    post_hook(integration, {"status": "sleeping"})
    response = client_for(responder).get(f"{LIST}{integration.pk}/deliveries/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["status"] for row in rows] == [DeliveryStatus.REJECTED, DeliveryStatus.PROCESSED]
    assert "title" in rows[0]["error"]
    assert rows[1]["error"] == ""
    assert set(rows[0]) == {
        "id",
        "received_at",
        "status",
        "error",
        "attempts",
        "processed_at",
        "source_ip",
    }
    listed = client_for(responder).get(LIST).json()[0]
    assert listed["last_delivery_status"] == "rejected"
    assert listed["last_delivery_at"] == rows[0]["received_at"]


def test_the_delivery_list_is_bounded(responder, make_integration):
    integration = make_integration()
    AlertDelivery.objects.bulk_create(
        AlertDelivery(integration=integration, body="{}", status="processed") for _ in range(60)
    )
    client = client_for(responder)
    url = f"{LIST}{integration.pk}/deliveries/"
    assert len(client.get(url).json()) == 50
    assert len(client.get(url, {"limit": 5}).json()) == 5
    for bad in ("0", "51", "x"):
        assert_error(client.get(url, {"limit": bad}), 400, "limit")


def test_a_list_of_many_integrations_takes_a_fixed_number_of_queries(
    responder, make_integration, django_assert_max_num_queries
):
    for _ in range(8):
        make_integration()
    client = client_for(responder)
    with django_assert_max_num_queries(8):
        assert len(client.get(LIST).json()) == 8


def test_the_default_severity_in_the_answer_follows_a_renamed_severity(admin_user, api_service):
    sev = severity(2)
    sev.label = "Major"
    sev.save()
    assert (
        create(client_for(admin_user), default_severity=2)["default_severity"]["label"] == "Major"
    )
