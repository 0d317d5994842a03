"""DRF authentication by API token, looked up by its hash.

`Authorization: Token <key>` (DRF's spelling, kept for existing scripts) or
`Authorization: Bearer <key>`.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.selectors import api_token_get_by_key
from accounts.services import api_token_used_record
from accounts.signin import API_TOKEN_CREDENTIALS, lockout_message

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # another scheme, or none: let the next authenticator try
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: send 'Token <key>' with the key and nothing else."
            )
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token: not ASCII.") from None
        # Wrong tokens count against the caller's address like wrong passwords (django-axes);
        # a locked-out address is refused before the lookup.
        if not AxesProxyHandler.is_allowed(request._request, API_TOKEN_CREDENTIALS):
            raise exceptions.Throttled(
                wait=settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES * 60, detail=lockout_message()
            )
        token = api_token_get_by_key(key)
        if token is None:
            user_login_failed.send(
                sender=type(self), credentials=API_TOKEN_CREDENTIALS, request=request._request
            )
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        api_token_used_record(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
