"""API tokens: stored as hashes, the management command, rotation from a session, /api/v1/me/."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken, api_token_hash
from accounts.services import api_token_rotate

pytestmark = pytest.mark.django_db


def create_api_token(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_command_prints_a_token_that_authenticates_the_user(responder):
    key = create_api_token(responder.username)
    assert ApiToken.objects.get(user=responder).key_prefix == key[:8]
    assert token_client(key).get("/api/v1/me/").json()["username"] == responder.username


def test_running_the_command_again_replaces_the_previous_token(responder):
    first = create_api_token(responder.username)
    second = create_api_token(responder.username)
    assert first != second
    assert token_client(first).get("/api/v1/me/").status_code == 401
    assert token_client(second).get("/api/v1/me/").status_code == 200


def test_a_service_account_has_no_password_and_responds_by_default(defaults):
    key = create_api_token("alertmanager-bot", "--service-account")
    bot = get_user_model().objects.get(username="alertmanager-bot")
    assert not bot.has_usable_password()
    assert list(bot.groups.values_list("name", flat=True)) == ["Responder"]
    me = token_client(key).get("/api/v1/me/").json()
    assert me["can_respond"] is True
    assert me["can_configure"] is False


def test_a_service_account_can_be_put_in_another_group(defaults):
    create_api_token("dashboard", "--service-account", "--group", "Viewer")
    bot = get_user_model().objects.get(username="dashboard")
    assert list(bot.groups.values_list("name", flat=True)) == ["Viewer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ghost"], "no user named"),
        (["rita-responder", "--service-account"], "exists already"),
        (["bot", "--service-account", "--group", "Nobody"], "no group named"),
    ],
)
def test_the_command_explains_what_it_cannot_do(responder, args, message):
    with pytest.raises(CommandError, match=message):
        create_api_token(*args)


def test_an_inactive_user_gets_no_token(responder):
    responder.is_active = False
    responder.save()
    with pytest.raises(CommandError, match="not active"):
        create_api_token(responder.username)


def test_me_describes_the_user_and_what_they_may_do(admin_user, viewer):
    client = APIClient()
    client.force_authenticate(admin_user)
    me = client.get("/api/v1/me/").json()
    assert me["username"] == admin_user.username
    assert me["groups"] == ["Admin"]
    assert (me["can_respond"], me["can_configure"]) == (True, True)
    client.force_authenticate(viewer)
    viewer_me = client.get("/api/v1/me/").json()
    assert (viewer_me["can_view"], viewer_me["can_respond"]) == (True, False)


def test_me_needs_authentication():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_a_signed_in_user_rotates_their_token_and_the_old_one_stops_working(responder):
    old = api_token_rotate(responder).key
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(responder)
    response = client.post("/api/v1/me/token/")
    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old
    assert response.json()["prefix"] == new[:8]
    assert token_client(old).get("/api/v1/me/").status_code == 401
    assert token_client(new).get("/api/v1/me/").status_code == 200


def test_a_token_cannot_rotate_itself(responder):
    key = api_token_rotate(responder).key
    response = token_client(key).post("/api/v1/me/token/")
    assert response.status_code == 403
    assert ApiToken.objects.get(user=responder).key_hash == api_token_hash(key)


def test_rotating_from_a_session_needs_the_csrf_token(responder):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(responder)
    response = client.post("/api/v1/me/token/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_only_a_hash_and_a_prefix_of_the_key_are_stored(responder):
    issued = api_token_rotate(responder)
    row = ApiToken.objects.filter(user=responder).values().get()
    assert issued.key not in {str(value) for value in row.values()}
    assert row["key_hash"] == api_token_hash(issued.key)
    assert row["key_prefix"] == issued.key[:8]


def test_the_bearer_keyword_works_as_well_as_token(responder):
    key = api_token_rotate(responder).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/me/").json()["username"] == responder.username


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token wrong-key", "Bearer \u00e9"])
def test_a_malformed_or_unknown_token_is_a_401(responder, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_inactive_users_token_is_refused(responder):
    key = api_token_rotate(responder).key
    responder.is_active = False
    responder.save()
    assert token_client(key).get("/api/v1/me/").status_code == 401


def test_using_a_token_records_when_it_was_last_used(responder):
    key = api_token_rotate(responder).key
    assert ApiToken.objects.get(user=responder).last_used_at is None
    token_client(key).get("/api/v1/me/")
    assert ApiToken.objects.get(user=responder).last_used_at is not None
