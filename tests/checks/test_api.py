"""The checks REST API: admins create, change, pause and delete; everyone with view_check reads."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from checks.models import Check, CheckStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_an_admin_creates_reads_changes_pauses_resumes_and_deletes_a_check(
    api, admin_user, web_service
):
    api.force_authenticate(admin_user)
    created = api.post(
        "/api/v1/checks/",
        {"name": "backup", "kind": "heartbeat", "service": "web", "period": 3600, "grace": 300},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "new"
    assert body["period"] == 3600
    assert body["ping_url"].endswith(f"/ping/{body['uuid']}")
    assert created["Location"].endswith(f"/api/v1/checks/{body['id']}/")
    changed = api.patch(f"/api/v1/checks/{body['id']}/", {"grace": 60}, format="json")
    assert changed.json()["grace"] == 60
    assert api.post(f"/api/v1/checks/{body['id']}/pause/").json()["status"] == "paused"
    assert api.post(f"/api/v1/checks/{body['id']}/resume/").json()["status"] == "new"
    assert api.post(f"/api/v1/checks/{body['id']}/resume/").status_code == 409
    assert [c["name"] for c in api.get("/api/v1/checks/").json()] == ["backup"]
    assert api.delete(f"/api/v1/checks/{body['id']}/").status_code == 204
    assert not Check.objects.exists()


def test_bad_input_is_a_400_naming_the_field(api, admin_user, web_service):
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/checks/", {"name": "x", "kind": "http", "service": "web"}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    unknown = api.post(
        "/api/v1/checks/", {"name": "x", "kind": "heartbeat", "service": "nope"}, format="json"
    )
    assert unknown.status_code == 400
    assert "service" in unknown.json()["errors"]
    typo = api.post(
        "/api/v1/checks/",
        {"name": "x", "kind": "heartbeat", "service": "web", "perod": 60},
        format="json",
    )
    assert typo.status_code == 400
    assert "perod" in typo.json()["errors"]


def test_viewers_read_but_cannot_change_and_outsiders_see_nothing(
    api, viewer, outsider, make_heartbeat
):
    check = make_heartbeat()
    api.force_authenticate(viewer)
    assert api.get(f"/api/v1/checks/{check.pk}/").json()["status"] == CheckStatus.NEW
    assert api.post(f"/api/v1/checks/{check.pk}/pause/").status_code == 403
    assert api.patch(f"/api/v1/checks/{check.pk}/", {"name": "x"}, format="json").status_code == 403
    api.force_authenticate(outsider)
    assert api.get("/api/v1/checks/").status_code == 403
