"""The status page's staff screen: admins set states and schedule maintenance; viewers read."""

from __future__ import annotations

import pytest

from statuspage.models import ComponentState, Maintenance

pytestmark = pytest.mark.django_db


def test_an_admin_sets_a_state_by_hand_and_back_to_derived(client, admin_user, api_component):
    client.force_login(admin_user)
    page = client.get("/status/manage/").content.decode()
    assert "Public API" in page
    assert "Schedule maintenance" in page
    url = f"/status/manage/components/{api_component.pk}/state/"
    assert client.post(url, {"state": "major_outage"}).status_code == 302
    api_component.refresh_from_db()
    assert api_component.manual_state == ComponentState.MAJOR_OUTAGE
    assert client.post(url, {"state": ""}).status_code == 302
    api_component.refresh_from_db()
    assert api_component.manual_state == ""
    assert client.post(url, {"state": "on-fire"}).status_code == 400


def test_an_admin_schedules_maintenance_and_a_bad_window_keeps_the_input(
    client, admin_user, api_component
):
    client.force_login(admin_user)
    form = {
        "title": "Database upgrade",
        "body": "Read-only for 20 minutes.",
        "starts_at": "2030-01-10T10:00",
        "ends_at": "2030-01-10T09:00",
        "components": [api_component.pk],
    }
    refused = client.post("/status/manage/", form)
    assert refused.status_code == 400
    assert "Must be after the start." in refused.content.decode()
    assert 'value="Database upgrade"' in refused.content.decode()
    assert (
        client.post("/status/manage/", {**form, "ends_at": "2030-01-10T10:30"}).status_code == 302
    )
    maintenance = Maintenance.objects.get()
    assert list(maintenance.components.all()) == [api_component]


def test_viewers_read_the_screen_without_forms_and_outsiders_get_403(
    client, viewer, outsider, api_component
):
    client.force_login(viewer)
    page = client.get("/status/manage/")
    assert page.status_code == 200
    assert "Schedule maintenance" not in page.content.decode()
    url = f"/status/manage/components/{api_component.pk}/state/"
    assert client.post(url, {"state": "major_outage"}).status_code == 403
    assert client.post("/status/manage/", {"title": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.get("/status/manage/").status_code == 403
