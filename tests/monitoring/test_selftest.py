"""The self-test: an admin pages a chosen person end to end (real e-mail to aiosmtpd) and the
screen reports each hop's time."""

from __future__ import annotations

import pytest

from monitoring.models import SelfTest
from oncall.models import Page

pytestmark = pytest.mark.django_db


def test_an_admin_pages_a_person_end_to_end_and_sees_each_hop(
    client,
    admin_user,
    responder,
    standins,
    django_capture_on_commit_callbacks,
):
    client.force_login(admin_user)
    assert "Page them now" in client.get("/selftest/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/selftest/", {"target": responder.pk})
    selftest = SelfTest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/selftest/{selftest.pk}/"
    [mail] = standins.emails_to(responder)
    assert "Firebell self-test" in mail["Subject"]
    assert all(page.user == responder for page in Page.objects.all())
    page = client.get(f"/selftest/{selftest.pk}/").content.decode()
    assert "Incident declared" in page
    assert "Delivered by email" in page
    assert page.count(" s</td>") >= 4  # declared, created, queued, delivered: each timed
    assert "waiting…" in page  # not acknowledged yet
    region = client.get(
        f"/selftest/{selftest.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="selftest_hops"
    )
    assert region.content.decode().startswith('<section id="selftest_hops"')


def test_responders_and_viewers_cannot_start_or_see_self_tests(client, responder, viewer):
    for person in (responder, viewer):
        client.force_login(person)
        assert client.get("/selftest/").status_code == 403
        assert client.post("/selftest/", {"target": person.pk}).status_code == 403
    assert not SelfTest.objects.exists()


def test_a_self_test_without_a_person_is_refused_with_the_reason(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/selftest/", {"target": ""})
    assert response.status_code == 400
    assert "Page: This field is required." in response.content.decode()
