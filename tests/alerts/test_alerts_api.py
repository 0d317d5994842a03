"""GET /api/v1/alerts/ (with filters) and /api/v1/incidents/<n>/alerts/, from real captures."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from tests.alerts.conftest import fixture_body
from tests.api import assert_error, client_for

AM = "alertmanager/{}.json"


@pytest.fixture
def two_groups(post_hook, make_integration):
    integration = make_integration()
    for name in ("02-higherrorrate-firing-2-alerts", "01-diskspacelow-firing"):
        assert post_hook(integration, fixture_body(AM.format(name))).status_code == 202
    return integration


@pytest.mark.django_db
def test_an_incidents_alerts_are_listed_with_their_links(two_groups, responder):
    incident = Incident.objects.get(title="HighErrorRate")
    response = client_for(responder).get(f"/api/v1/incidents/{incident.number}/alerts/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    alert = body["results"][0]
    assert alert["incident"] == incident.number
    assert alert["status"] == "firing"
    assert alert["integration"]["service"] == "api"
    assert {
        "href": "https://runbooks.example.internal/api/high-error-rate",
        "text": "Runbook",
    } in alert["links"]
    assert alert["labels"]["alertname"] == "HighErrorRate"


@pytest.mark.django_db
def test_alerts_are_filtered_and_unknown_parameters_refused(two_groups, responder, outsider):
    api = client_for(responder)
    everything = api.get("/api/v1/alerts/").json()
    assert everything["count"] == 3
    disk = api.get("/api/v1/alerts/", {"severity": "SEV-3,SEV-4"}).json()
    high = api.get("/api/v1/alerts/", {"severity": "SEV-1"}).json()
    assert disk["count"] + high["count"] == 3
    assert high["count"] == 2
    incident = Incident.objects.get(title="HighErrorRate")
    assert api.get("/api/v1/alerts/", {"incident": incident.number}).json()["count"] == 2
    assert api.get("/api/v1/alerts/", {"service": "api", "status": "resolved"}).json()["count"] == 0
    assert api.get("/api/v1/alerts/", {"integration": two_groups.pk}).json()["count"] == 3
    body = assert_error(api.get("/api/v1/alerts/", {"search": "disk"}), 400, "search")
    assert "Unknown query parameter: search." in body["message"]
    assert "incident, integration, page, page_size, seen_after" in body["message"]
    assert_error(api.get("/api/v1/alerts/", {"status": "burning"}), 400, "status")
    assert client_for(outsider).get("/api/v1/alerts/").status_code == 403
    assert (
        client_for(outsider).get(f"/api/v1/incidents/{incident.number}/alerts/").status_code == 404
    )


@pytest.mark.django_db
def test_every_list_endpoint_refuses_an_unknown_parameter(responder, admin_user):
    """Once, generically: lists with filters, lists without, paginated or not."""
    for url in (
        "/api/v1/incidents/",
        "/api/v1/services/",
        "/api/v1/severities/",
        "/api/v1/integrations/",
        "/api/v1/alerts/",
        "/api/v1/schedules/",
        "/api/v1/oncall/",
    ):
        body = assert_error(client_for(admin_user).get(url, {"search": "x"}), 400, "search")
        assert "Allowed:" in body["message"], url
        assert client_for(admin_user).get(url).status_code == 200, url
