"""Services (admin-editable), severities and roles through the API."""

from __future__ import annotations

import pytest

from incidents import services
from incidents.models import Service, Source
from tests.api import assert_error, client_for
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.django_db
SERVICES = "/api/v1/services/"


def test_anyone_who_may_see_incidents_can_list_and_read_services(viewer):
    ServiceFactory(slug="search", name="Search")
    ServiceFactory(slug="checkout", name="Checkout")
    client = client_for(viewer)
    assert [row["slug"] for row in client.get(SERVICES).json()] == ["checkout", "search"]
    assert client.get(f"{SERVICES}search/").json()["name"] == "Search"
    assert_error(client.get(f"{SERVICES}nope/"), 404)


def test_someone_outside_the_groups_cannot_read_the_catalogue(outsider):
    client = client_for(outsider)
    for url in (SERVICES, "/api/v1/severities/", "/api/v1/roles/"):
        assert_error(client.get(url), 403)


def test_an_admin_adds_a_service_and_the_slug_defaults_to_the_name(admin_user):
    response = client_for(admin_user).post(
        SERVICES, {"name": "Payment Gateway", "owner_team": "payments"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "payment-gateway"
    assert response["Location"].endswith("/api/v1/services/payment-gateway/")
    assert Service.objects.get().owner_team == "payments"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Checkout"}, "name"),
        ({"name": "Other", "slug": "checkout"}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "x", "slug": "not a slug"}, "slug"),
        ({"name": "!!!"}, "slug"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
def test_adding_a_service_with_bad_or_duplicate_values_names_the_field(admin_user, body, field):
    ServiceFactory(slug="checkout", name="Checkout")
    response = client_for(admin_user).post(SERVICES, body, format="json")
    assert_error(response, 400, field)
    assert Service.objects.count() == 1


def test_an_admin_changes_a_service(admin_user):
    ServiceFactory(slug="checkout", name="Checkout")
    response = client_for(admin_user).patch(
        f"{SERVICES}checkout/", {"slack_channel": "#checkout"}, format="json"
    )
    assert response.status_code == 200
    assert Service.objects.get(slug="checkout").slack_channel == "#checkout"


def test_renaming_a_service_onto_another_ones_name_is_a_400(admin_user):
    ServiceFactory(slug="checkout", name="Checkout")
    ServiceFactory(slug="search", name="Search")
    response = client_for(admin_user).patch(
        f"{SERVICES}search/", {"name": "Checkout"}, format="json"
    )
    assert_error(response, 400, "name")
    assert Service.objects.get(slug="search").name == "Search"


def test_an_admin_deletes_a_service_no_incident_refers_to(admin_user):
    ServiceFactory(slug="checkout")
    assert client_for(admin_user).delete(f"{SERVICES}checkout/").status_code == 204
    assert not Service.objects.exists()


def test_a_service_that_incidents_refer_to_cannot_be_deleted(admin_user):
    checkout = ServiceFactory(slug="checkout")
    services.incident_create(
        title="Down", severity=severity(1), services=[checkout], actor=None, source=Source.SYSTEM
    )
    error = assert_error(client_for(admin_user).delete(f"{SERVICES}checkout/"), 409)
    assert "1 incident" in error["message"]
    assert Service.objects.filter(slug="checkout").exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "", {"name": "New"}),
        ("patch", "checkout/", {"name": "Renamed"}),
        ("delete", "checkout/", None),
    ],
)
def test_only_admins_write_services(responder, viewer, method, path, body):
    ServiceFactory(slug="checkout", name="Checkout")
    for user in (responder, viewer):
        response = getattr(client_for(user), method)(f"{SERVICES}{path}", body, format="json")
        assert_error(response, 403)
    assert Service.objects.get().name == "Checkout"


def test_severities_are_listed_most_severe_first_with_their_targets(viewer):
    body = client_for(viewer).get("/api/v1/severities/").json()
    assert [row["name"] for row in body] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    assert body[0]["ack_target_seconds"] == 15 * 60


def test_roles_are_listed_in_rank_order(viewer):
    body = client_for(viewer).get("/api/v1/roles/").json()
    assert [row["slug"] for row in body] == ["commander", "tech", "comms", "scribe"]
