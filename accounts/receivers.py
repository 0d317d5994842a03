"""Sign-in signals → accounts services (connected in AccountsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from accounts import services
from accounts.signin import client_ip


def on_user_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_signed_in(user=user, request=request)


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_signed_out(user=user, request=request)


def on_user_login_failed(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    if credentials.get("firebell_kind") == "api-token":
        return  # counted by django-axes per address; one audit row per guess would be noise
    username = str(credentials.get("username") or "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    services.signin_event_record(
        event="sign_in_failed",
        user=user,
        username=username,
        ip_address=(client_ip(request) or None) if request is not None else None,
    )
