"""Sign-in throttling (django-axes): who is counted, how the client's address is found, and the
answer to someone locked out. Settings: FIREBELL_SIGNIN_FAILURE_LIMIT,
FIREBELL_SIGNIN_LOCKOUT_MINUTES, FIREBELL_PROXY_COUNT (docs/security.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

# What API token failures are recorded as: there is no account name to count them under.
API_TOKEN_CREDENTIALS = {"username": "(API token)", "firebell_kind": "api-token"}


def lockout_parameters(request: Any, credentials: dict | None) -> list[str]:
    """Password sign-ins are counted per account and, separately, per address; either reaching
    the limit locks. API token failures per address only: counting them under an account (or a
    token's prefix) would let anyone lock a real token out by guessing wrong on purpose."""
    if (credentials or {}).get("firebell_kind") == "api-token":
        return ["ip_address"]
    return ["username", "ip_address"]


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or — behind FIREBELL_PROXY_COUNT proxies that each
    append to X-Forwarded-For — the address the outermost of ours received the request from.
    Entries further left are the client's own say and could be forged."""
    count = settings.FIREBELL_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count > 0 and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def login_page_context(request: HttpRequest) -> dict[str, Any]:
    """What the sign-in page shows besides the form: single sign-on, password sign-in, why the
    last single sign-on failed."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    sso_url = reverse("oidc-signin")
    return {
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_label": settings.FIREBELL_OIDC_BUTTON_LABEL,
        "sso_url": f"{sso_url}?{urlencode({'next': next_url})}" if next_url else sso_url,
        "sso_failed": request.GET.get("sso") == "failed",
        "password_signin": settings.FIREBELL_PASSWORD_SIGNIN,
    }


def lockout_message() -> str:
    minutes = settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES
    return (
        f"Too many failed sign-ins for this account or from this address. Try again in "
        f"{minutes} minutes, or ask an administrator to unlock it."
    )


def signin_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out attempt: 429 with a message saying what to do; the
    sign-in page again for a browser, the API's error shape for the API."""
    message = lockout_message()
    retry_after = str(settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES * 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"message": message, "errors": {}}, status=429)
    else:
        context = {
            "form": AuthenticationForm(request),
            "next": request.POST.get("next", ""),
            "locked_message": message,
            **login_page_context(request),
        }
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
