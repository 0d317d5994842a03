"""Session lifetime (an idle timeout and an absolute lifetime: FIREBELL_SESSION_IDLE_MINUTES,
FIREBELL_SESSION_MAX_HOURS) and two-factor sign-in required for administrators. Placed after
AuthenticationMiddleware and django-otp's OTPMiddleware."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.oidc import BACKEND as OIDC_BACKEND
from accounts.selectors import mfa_enabled, mfa_required
from accounts.services import SEEN_AT, SIGNED_IN_AT
from core import clock

# Last-seen is written at most this often, so a busy page does not save its session each time.
SEEN_RESOLUTION_SECONDS = 60


def _is_activity(request: HttpRequest) -> bool:
    """A person doing something. An htmx GET is a region polling or refreshing itself (the board
    polls every few seconds): counting it would keep an abandoned tab signed in for ever."""
    return not (request.method in {"GET", "HEAD"} and request.headers.get("HX-Request") == "true")


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SIGNED_IN_AT in request.session:
            now = int(clock.now().timestamp())
            signed_in_at = int(request.session.get(SIGNED_IN_AT, now))
            seen_at = int(request.session.get(SEEN_AT, signed_in_at))
            if (
                now - signed_in_at > settings.FIREBELL_SESSION_MAX_HOURS * 3600
                or now - seen_at > settings.FIREBELL_SESSION_IDLE_MINUTES * 60
            ):
                logout(request)  # the view then sees an anonymous visitor: sign in again
            elif _is_activity(request) and now - seen_at >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)


# Paths an administrator who must set up (or finish) two-factor sign-in may still open.
MFA_EXEMPT_PREFIXES = (
    "/account/mfa/",
    "/login/",
    "/logout/",
    "/oidc/",
    "/static/",
    "/healthz",
    "/readyz",
)


def _signed_in_with_sso(request: HttpRequest) -> bool:
    """The identity provider asked for the second factor (FIREBELL_OIDC_SATISFIES_MFA)."""
    return (
        settings.FIREBELL_OIDC_SATISFIES_MFA
        and request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND
    )


class MfaRequiredMiddleware:
    """With FIREBELL_MFA_REQUIRED_FOR_ADMINS, an administrator's session must have passed a
    second factor: without an authenticator they are sent to set one up, with one (a session
    that skipped it) to sign in again. Everyone else may turn it on at will."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not user.is_verified()
            and not _signed_in_with_sso(request)
            and mfa_required(user)
        ):
            return self._refuse(request, has_device=mfa_enabled(user))
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, *, has_device: bool) -> HttpResponse:
        if request.path.startswith("/api/"):
            message = "Administrators must sign in with a second factor to use the API here."
            return JsonResponse({"message": message, "errors": {}}, status=403)
        if request.headers.get("HX-Request") == "true":
            # A background refresh never signs anyone out: it may have left before the second
            # factor was shown in another request of the same session (which logout() would
            # wipe). The page reloads and its own request decides.
            response = HttpResponse(status=403)
            response["HX-Refresh"] = "true"
            return response
        if has_device:
            logout(request)
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.get_full_path()})}")


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response (settings.FIREBELL_PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.FIREBELL_PERMISSIONS_POLICY)
        return response
