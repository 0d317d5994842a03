"""Single sign-on end to end against a local OpenID Connect provider (tests/standins/oidc.py):
discovery, authorization code with PKCE, token, JWKS-signed ID token, userinfo."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from tests.factories import UserFactory
from tests.standins.oidc import OidcProvider

pytestmark = pytest.mark.django_db
RITA = {
    "sub": "1001",
    "email": "rita@example.com",
    "email_verified": True,
    "given_name": "Rita",
    "family_name": "Ramos",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def provider(defaults) -> Iterator[OidcProvider]:
    provider = OidcProvider(client_id="firebell", client_secret="s3cret-from-the-provider").start()
    backends = [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.FirebellOIDCBackend"]
    with override_settings(
        OIDC_ENABLED=True,
        FIREBELL_OIDC_ISSUER=provider.url,
        OIDC_RP_CLIENT_ID=provider.client_id,
        OIDC_RP_CLIENT_SECRET=provider.client_secret,
        AUTHENTICATION_BACKENDS=backends,
        FIREBELL_OIDC_GROUP_MAP={},
    ):
        yield provider
    provider.stop()


def sign_in_with_sso(provider: OidcProvider, person: dict, client: Client | None = None):
    """Firebell → provider (authorize) → Firebell's callback, as a browser follows them."""
    client = client or Client()
    provider.person = person
    start = client.get("/oidc/authenticate/?next=/account/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.url}/authorize?")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:  # the provider redirects back
        opener.open(authorize)
    assert redirect.value.code == 302
    back = redirect.value.headers["Location"]
    parts = urlsplit(back)
    assert parts.path == "/oidc/callback/"
    return client, client.get(f"{parts.path}?{parts.query}")


def test_the_sign_in_page_offers_single_sign_on(provider):
    page = Client().get("/login/").content.decode()
    assert 'id="sso-signin"' in page
    assert "Sign in with single sign-on" in page


def test_a_new_person_is_created_from_a_verified_email_in_the_default_group(provider):
    client, response = sign_in_with_sso(provider, RITA)
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    user = get_user_model().objects.get(email="rita@example.com")
    assert (user.username, user.first_name, user.last_name) == ("rita", "Rita", "Ramos")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Viewer"]
    assert client.get("/account/").status_code == 200
    # The protocol as spoken: PKCE S256 and a nonce on the way out, the verifier on the way back.
    [asked] = provider.authorize_requests
    assert asked["code_challenge_method"] == "S256"
    assert asked["nonce"]
    assert provider.token_requests[0]["code_verifier"]


def test_an_existing_person_is_matched_by_email(provider, responder):
    responder.email = "Rita@Example.com"
    responder.save()
    client, response = sign_in_with_sso(provider, RITA)
    assert response.status_code == 302
    assert get_user_model().objects.filter(email__iexact="rita@example.com").count() == 1
    assert client.get("/account/").content.decode().count(responder.username) >= 1


def test_an_unverified_email_signs_nobody_in(provider, responder):
    responder.email = "rita@example.com"
    responder.save()
    client, response = sign_in_with_sso(provider, {**RITA, "email_verified": False})
    assert response["Location"] == "/login/?sso=failed"
    assert client.get("/account/").status_code == 302
    assert "did not sign you in" in client.get("/login/?sso=failed").content.decode()


def test_groups_follow_the_providers_claim_through_the_mapping(provider):
    mapping = {"incident-admins": "Admin", "sre": "Responder"}
    with override_settings(FIREBELL_OIDC_GROUP_MAP=mapping):
        sign_in_with_sso(provider, {**RITA, "groups": ["sre", "finance"]})
        user = get_user_model().objects.get(email="rita@example.com")
        assert list(user.groups.values_list("name", flat=True)) == ["Responder"]
        user.groups.add(Group.objects.get(name="Viewer"))  # outside the mapping: kept
        sign_in_with_sso(provider, {**RITA, "groups": ["incident-admins"]})
    assert sorted(user.groups.values_list("name", flat=True)) == ["Admin", "Viewer"]


def test_a_callback_with_an_unknown_state_is_refused(provider):
    client = Client()
    client.get("/oidc/authenticate/")
    response = client.get("/oidc/callback/?code=anything&state=forged")
    assert response.status_code == 302
    assert response["Location"] == "/login/?sso=failed"
    assert client.get("/account/").status_code == 302


def test_an_id_token_with_another_nonce_is_refused(provider):
    provider.nonce_override = "replayed-nonce"
    _client, response = sign_in_with_sso(provider, RITA)
    assert response["Location"] == "/login/?sso=failed"
    assert not get_user_model().objects.filter(email="rita@example.com").exists()


def test_an_expired_id_token_is_refused(provider):
    provider.id_token_lifetime = -600
    client, response = sign_in_with_sso(provider, RITA)
    assert response["Location"] == "/login/?sso=failed"
    assert client.get("/account/").status_code == 302


def test_an_id_token_for_another_client_is_refused(provider):
    provider.audience_override = "someone-else"
    _client, response = sign_in_with_sso(provider, RITA)
    assert response["Location"] == "/login/?sso=failed"


def test_password_sign_in_can_be_turned_off(provider, responder):
    with override_settings(FIREBELL_PASSWORD_SIGNIN=False):
        page = Client().get("/login/").content.decode()
        assert 'name="password"' not in page
        response = Client().post(
            "/login/", {"username": responder.username, "password": "correct horse battery staple"}
        )
        assert response.status_code == 403
        assert "Password sign-in is turned off" in response.content.decode()


@override_settings(FIREBELL_MFA_REQUIRED_FOR_ADMINS=True)
def test_an_admin_signed_in_through_the_provider_is_not_asked_for_a_second_factor(provider):
    admin = UserFactory(username="ada", email="rita@example.com")
    admin.groups.add(Group.objects.get(name="Admin"))
    client, _ = sign_in_with_sso(provider, RITA)
    assert client.get("/").status_code == 200


def test_an_unreachable_provider_is_a_clear_failure_not_an_error(defaults):
    backends = [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.FirebellOIDCBackend"]
    with override_settings(
        OIDC_ENABLED=True,
        FIREBELL_OIDC_ISSUER="http://127.0.0.1:9",
        OIDC_RP_CLIENT_ID="x",
        OIDC_RP_CLIENT_SECRET="y",
        AUTHENTICATION_BACKENDS=backends,
    ):
        response = Client().get("/oidc/authenticate/")
        assert response.status_code == 302
        assert response["Location"] == "/login/?sso=failed"


def test_without_configuration_there_is_no_single_sign_on(db):
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert 'id="sso-signin"' not in Client().get("/login/").content.decode()
