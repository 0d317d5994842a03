"""Single sign-on with OpenID Connect (mozilla-django-oidc), configured by environment variables
(FIREBELL_OIDC_*, docs/security.md).

mozilla-django-oidc does the protocol: the authorization-code flow with state, nonce and PKCE,
the token request, the ID token's signature against the provider's JWKS, and userinfo. Firebell
adds what a team needs around it: endpoints found by discovery (`/.well-known/openid-configuration`
of FIREBELL_OIDC_ISSUER) instead of four URLs to copy, the ID token's issuer, audience and expiry
checked, people matched by *verified* e-mail only, new people put in a default group, and groups
kept in step with a claim of the provider (FIREBELL_OIDC_GROUP_MAP).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

BACKEND = "accounts.oidc.FirebellOIDCBackend"
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_CACHE_SECONDS = 3600


class OidcUnavailable(Exception):
    """The provider's discovery document could not be read or is not the configured issuer's."""


def oidc_discovery() -> dict[str, Any]:
    """The provider's discovery document, cached for an hour. Raises OidcUnavailable when it
    cannot be read or names another issuer (a wrong FIREBELL_OIDC_ISSUER)."""
    issuer = settings.FIREBELL_OIDC_ISSUER
    cache_key = f"firebell:oidc-discovery:{issuer}"
    document = cache.get(cache_key)
    if document is None:
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise OidcUnavailable(
                f"Cannot read the OIDC discovery document {url}: {error}"
            ) from None
        if document.get("issuer", "").rstrip("/") != issuer:
            raise OidcUnavailable(
                f"{url} names issuer {document.get('issuer')!r}, not FIREBELL_OIDC_ISSUER."
            )
        cache.set(cache_key, document, DISCOVERY_CACHE_SECONDS)
    return document


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, with the provider's endpoints taken from discovery."""
    if attr in DISCOVERED and not getattr(settings, attr, None):
        return oidc_discovery()[DISCOVERED[attr]]
    return import_from_settings(attr, *default)


def group_names_for(claims: dict[str, Any]) -> set[str] | None:
    """Firebell groups from the provider's groups claim through FIREBELL_OIDC_GROUP_MAP, or None
    when no mapping is configured (groups are then managed in Firebell)."""
    mapping: dict[str, str] = settings.FIREBELL_OIDC_GROUP_MAP
    if not mapping:
        return None
    values = claims.get(settings.FIREBELL_OIDC_GROUPS_CLAIM) or []
    if isinstance(values, str):
        values = [values]
    return {mapping[value] for value in values if isinstance(value, str) and value in mapping}


def _username_for(email: str) -> str:
    """A readable, unused username from the e-mail's local part (rita, rita-2, …)."""
    base = re.sub(r"[^\w.@+-]", "-", email.split("@", 1)[0])[:140] or "user"
    users = get_user_model().objects
    candidate, number = base, 1
    while users.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


class FirebellOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, passwords included: the provider's
        # endpoints are looked up (discovery) only when an OIDC callback needs them.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request: Any, **kwargs: Any) -> AbstractBaseUser | None:
        try:
            return super().authenticate(request, **kwargs)
        except (
            SuspiciousOperation,
            jwt.InvalidTokenError,
            requests.RequestException,
            OidcUnavailable,
        ) as error:
            # A forged, expired or misdirected token, or the provider failing: no sign-in.
            logger.warning("OIDC sign-in refused: %s", error)
            return None

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """The ID token's signature (the algorithm pinned), and also its issuer, audience and
        expiry, which mozilla-django-oidc leaves to the application."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}.")
        return jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.FIREBELL_OIDC_ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """Only a verified e-mail address identifies a person here."""
        return bool(claims.get("email")) and claims.get("email_verified") is True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(email__iexact=claims["email"], is_active=True)

    def create_user(self, claims: dict[str, Any]) -> AbstractBaseUser:
        with transaction.atomic():
            user = self.UserModel(
                username=_username_for(claims["email"]),
                email=claims["email"],
                first_name=str(claims.get("given_name", ""))[:150],
                last_name=str(claims.get("family_name", ""))[:150],
            )
            user.set_unusable_password()  # they sign in through the provider
            user.save()
            groups = group_names_for(claims)
            if groups is None or not groups:
                groups = {settings.FIREBELL_OIDC_DEFAULT_GROUP} - {""}
            user.groups.set(Group.objects.filter(name__in=groups))
        return user

    def update_user(self, user: AbstractBaseUser, claims: dict[str, Any]) -> AbstractBaseUser:
        """With a group mapping, the provider decides membership of the mapped groups at each
        sign-in (groups outside the mapping are left alone)."""
        groups = group_names_for(claims)
        if groups is not None:
            mapped = set(settings.FIREBELL_OIDC_GROUP_MAP.values())
            with transaction.atomic():
                user.groups.remove(*Group.objects.filter(name__in=mapped - groups))
                user.groups.add(*Group.objects.filter(name__in=groups))
        return user


class OidcSignInView(OIDCAuthenticationRequestView):
    """Redirects to the provider's authorization endpoint (state, nonce, PKCE challenge)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads the authorization endpoint here, before dispatch: discovery may fail.
        View.__init__(self, *args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except OidcUnavailable as error:
            logger.error("OIDC provider unavailable: %s", error)
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        return super().dispatch(request, *args, **kwargs)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def get(self, request: Any) -> Any:
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # an unknown state: a replay or a forged callback
            logger.warning("OIDC callback refused: %s", error)
            return self.login_failure()
