"""Sessions: idle timeout, absolute lifetime, "sign out everywhere" for oneself and by an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings

from accounts.models import UserSession
from core import clock

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
HOME = "/account/"


def signed_in(user, address: str = "192.0.2.1") -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT="TestBrowser/1.0")
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def test_my_account_lists_where_i_am_signed_in(responder):
    laptop = signed_in(responder, "192.0.2.1")
    signed_in(responder, "192.0.2.2")
    page = laptop.get(HOME).content.decode()
    assert "192.0.2.1" in page
    assert "192.0.2.2" in page
    assert "this browser" in page
    assert UserSession.objects.filter(user=responder).count() == 2


def test_signing_out_everywhere_ends_every_session_of_mine_only(responder, viewer):
    laptop, phone, other = signed_in(responder), signed_in(responder), signed_in(viewer)
    response = phone.post("/account/sessions/end/")
    assert response.status_code == 302
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert is_signed_in(other)
    assert not UserSession.objects.filter(user=responder).exists()


def test_an_admin_signs_someone_out_everywhere(admin_user, responder):
    victim = signed_in(responder)
    admin = signed_in(admin_user)
    page = admin.get("/security/sessions/").content.decode()
    assert responder.username in page
    assert admin.post(f"/security/sessions/{responder.pk}/end/").status_code == 302
    assert not is_signed_in(victim)
    assert is_signed_in(admin)


def test_only_admins_sign_others_out(responder, viewer):
    victim = signed_in(viewer)
    other = signed_in(responder)
    assert other.get("/security/sessions/").status_code == 403
    assert other.post(f"/security/sessions/{viewer.pk}/end/").status_code == 403
    assert is_signed_in(victim)


@override_settings(FIREBELL_SESSION_IDLE_MINUTES=30, FIREBELL_SESSION_MAX_HOURS=24)
def test_a_session_idle_longer_than_the_timeout_is_signed_out(responder):
    start = clock.now()
    client = signed_in(responder)
    with clock.frozen_at(start + timedelta(minutes=25)):
        assert is_signed_in(client)  # activity: the idle clock starts again
    with clock.frozen_at(start + timedelta(minutes=50)):
        assert is_signed_in(client)
    with clock.frozen_at(start + timedelta(minutes=81)):
        assert not is_signed_in(client)


@override_settings(FIREBELL_SESSION_IDLE_MINUTES=30, FIREBELL_SESSION_MAX_HOURS=24)
def test_htmx_polling_does_not_keep_an_abandoned_session_alive(responder):
    start = clock.now()
    client = signed_in(responder)
    for minutes in (10, 20, 29):
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            client.get(HOME, headers={"HX-Request": "true"})
    with clock.frozen_at(start + timedelta(minutes=31)):
        assert not is_signed_in(client)


@override_settings(FIREBELL_SESSION_IDLE_MINUTES=60, FIREBELL_SESSION_MAX_HOURS=2)
def test_a_busy_session_still_ends_at_its_absolute_lifetime(responder):
    start = clock.now()
    client = signed_in(responder)
    for minutes in (40, 80, 110):
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            assert is_signed_in(client)
    with clock.frozen_at(start + timedelta(minutes=121)):
        assert not is_signed_in(client)
