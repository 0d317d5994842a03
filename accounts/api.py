"""API about the caller's own account: their token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.services import api_token_rotate
from core.api import ApiView, ErrorSerializer


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Shown once (only a hash is stored); send as `Authorization: Token <token>`."
    )
    prefix = serializers.CharField(help_text="The first characters, to recognise it later.")
    created_at = serializers.DateTimeField()


class MeTokenRotateApi(ApiView):
    @extend_schema(
        tags=["me"],
        summary="Replace my API token (signed-in browser session only)",
        request=None,
        responses={201: TokenOutputSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        # A token must not be able to replace itself: whoever holds a leaked token could then
        # lock its owner out. Rotation needs the password-backed session (which also checks CSRF).
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            raise exceptions.PermissionDenied(
                "Rotate your token from a signed-in session, not with a token."
            )
        issued = api_token_rotate(request.user)
        data = {
            "token": issued.key,
            "prefix": issued.token.key_prefix,
            "created_at": issued.token.created_at,
        }
        return Response(TokenOutputSerializer(data).data, status=status.HTTP_201_CREATED)
