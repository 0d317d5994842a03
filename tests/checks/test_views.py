"""The check screens: list and create (admins), a check's page, edit, pause/resume, delete."""

from __future__ import annotations

import pytest

from checks.models import Check, CheckStatus

pytestmark = pytest.mark.django_db


HEARTBEAT_FORM = {
    "name": "nightly-backup",
    "kind": "heartbeat",
    "period": "3600",
    "grace": "600",
    "url": "",
    "interval": "60",
    "timeout": "10",
    "expected_status": "200",
    "json_rule": "",
    "json_field": "",
    "json_value": "",
    "failures_to_alert": "1",
    "successes_to_recover": "1",
}


def test_an_admin_creates_a_heartbeat_check_and_sees_its_ping_url(client, admin_user, web_service):
    client.force_login(admin_user)
    response = client.post("/checks/", {**HEARTBEAT_FORM, "service": web_service.pk})
    check = Check.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checks/{check.pk}/"
    page = client.get(f"/checks/{check.pk}/").content.decode()
    assert f"/ping/{check.uuid}" in page
    assert "every 1 h (+10 min grace)" in page
    listing = client.get("/checks/").content.decode()
    assert "nightly-backup" in listing
    assert "New check" in listing


def test_bad_input_is_shown_again_with_the_reason_and_creates_nothing(
    client, admin_user, web_service
):
    client.force_login(admin_user)
    response = client.post(
        "/checks/", {**HEARTBEAT_FORM, "kind": "http", "url": "", "service": web_service.pk}
    )
    assert response.status_code == 400
    assert "Required for an HTTP check." in response.content.decode()
    assert not Check.objects.exists()


def test_viewers_see_checks_but_cannot_create_or_change_them(
    client, viewer, make_heartbeat, web_service
):
    check = make_heartbeat()
    client.force_login(viewer)
    listing = client.get("/checks/")
    assert listing.status_code == 200
    assert "New check" not in listing.content.decode()
    assert client.get(f"/checks/{check.pk}/").status_code == 200
    assert client.post("/checks/", {**HEARTBEAT_FORM, "service": web_service.pk}).status_code == 403
    assert client.post(f"/checks/{check.pk}/pause/").status_code == 403
    assert client.get(f"/checks/{check.pk}/edit/").status_code == 403


def test_outsiders_get_403_and_anonymous_visitors_the_login_page(client, outsider, make_heartbeat):
    check = make_heartbeat()
    assert client.get("/checks/").status_code == 302
    client.force_login(outsider)
    assert client.get("/checks/").status_code == 403
    assert client.get(f"/checks/{check.pk}/").status_code == 403


def test_an_admin_edits_pauses_resumes_and_deletes_a_check(client, admin_user, make_heartbeat):
    check = make_heartbeat()
    client.force_login(admin_user)
    form = {**HEARTBEAT_FORM, "name": "renamed", "period": "120", "service": check.service_id}
    assert client.post(f"/checks/{check.pk}/edit/", form).status_code == 302
    check.refresh_from_db()
    assert check.name == "renamed"
    assert check.period.total_seconds() == 120
    assert client.post(f"/checks/{check.pk}/pause/").status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.PAUSED
    assert "Resume" in client.get(f"/checks/{check.pk}/").content.decode()
    assert client.post(f"/checks/{check.pk}/resume/").status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.NEW
    assert client.post(f"/checks/{check.pk}/resume/").status_code == 409
    assert client.post(f"/checks/{check.pk}/delete/").status_code == 302
    assert not Check.objects.exists()
    assert client.get(f"/checks/{check.pk}/").status_code == 404
