"""Failed sign-ins are limited per account and per address (django-axes): the web sign-in, the
admin's, API tokens; a clear message; unlocked by an admin's page or the axes commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from accounts.services import api_token_rotate
from accounts.signin import client_ip

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
LIMIT = 5


def sign_in(username: str, password: str, address: str = "192.0.2.10", path: str = "/login/"):
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def fail(username: str, times: int = LIMIT, address: str = "192.0.2.10", path: str = "/login/"):
    for _ in range(times):
        response = sign_in(username, "wrong", address, path)
        assert response.status_code in {200, 429}


def test_the_right_password_signs_in(responder):
    assert sign_in(responder.username, PASSWORD).status_code == 302


def test_an_account_is_locked_after_the_limit_even_with_the_right_password(responder):
    fail(responder.username, LIMIT - 1)
    assert sign_in(responder.username, PASSWORD, address="198.51.100.1").status_code == 302
    fail(responder.username)
    response = sign_in(responder.username, PASSWORD, address="198.51.100.2")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "ask an administrator to unlock" in response.content.decode()
    assert response["Retry-After"] == "900"


def test_an_address_is_locked_after_the_limit_whatever_account_it_tries(responder, viewer):
    for number in range(LIMIT):
        sign_in(f"guess-{number}", "wrong", address="203.0.113.9")
    assert sign_in(viewer.username, PASSWORD, address="203.0.113.9").status_code == 429
    assert sign_in(viewer.username, PASSWORD, address="203.0.113.10").status_code == 302


def test_the_admin_site_has_no_sign_in_of_its_own_to_guess_at(admin_user):
    """/admin/login/ sends people to Firebell's sign-in (throttled, two-factor)."""
    admin_user.is_staff = True
    admin_user.save()
    fail(admin_user.username)
    response = sign_in(admin_user.username, PASSWORD, path="/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert sign_in(admin_user.username, PASSWORD).status_code == 429


def test_an_admin_unlocks_an_account_from_the_security_page(admin_user, responder):
    fail(responder.username)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/security/lockouts/").content.decode()
    assert responder.username in page
    assert "locked out" in page
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=responder.username)
    response = admin.post(f"/security/lockouts/{attempt.pk}/unlock/")
    assert response.status_code == 302
    assert sign_in(responder.username, PASSWORD).status_code == 302


def test_only_admins_see_or_use_the_security_page(responder, viewer):
    fail(viewer.username)
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username=viewer.username)
    client = Client()
    client.force_login(responder)
    assert client.get("/security/lockouts/").status_code == 403
    assert client.post(f"/security/lockouts/{attempt.pk}/unlock/").status_code == 403
    assert sign_in(viewer.username, PASSWORD).status_code == 429


def test_the_axes_command_unlocks_an_account(responder):
    fail(responder.username)
    call_command("axes_reset_username", responder.username, stdout=StringIO())
    assert sign_in(responder.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_wrong_api_tokens_lock_the_address_out_of_the_api(responder):
    key = api_token_rotate(responder).key
    guesser = APIClient(REMOTE_ADDR="203.0.113.50")
    guesser.credentials(HTTP_AUTHORIZATION="Token wrong-guess")
    for _ in range(LIMIT):
        assert guesser.get("/api/v1/me/").status_code in {401, 429}
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = guesser.get("/api/v1/me/")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["message"]
    # The token's owner, elsewhere, is not locked out by someone else's guesses.
    owner = APIClient(REMOTE_ADDR="198.51.100.60")
    owner.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert owner.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "10.0.0.2"),
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "6.6.6.6, 203.0.113.1", "203.0.113.1"),
        (2, "6.6.6.6, 203.0.113.1, 10.0.0.9", "203.0.113.1"),
        (2, "203.0.113.1", "10.0.0.2"),
    ],
)
def test_the_client_address_behind_proxies_ignores_what_the_client_could_forge(
    count, forwarded, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(FIREBELL_PROXY_COUNT=count):
        assert client_ip(request) == expected
