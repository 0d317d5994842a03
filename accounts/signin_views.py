"""Signing in: password, then (for people who set it up) a code from their authenticator app or
a recovery code. The admin site signs in here too."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login

from accounts import selectors, services
from accounts.signin import login_page_context, signin_locked_out
from core import clock
from core.ui import Form

PENDING = "firebell_mfa_pending"
PENDING_SECONDS = 300  # the password step is good for five minutes


class SignInView(LoginView):
    template_name = "registration/login.html"
    template_engine = "jinja2"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **login_page_context(self.request)}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.FIREBELL_PASSWORD_SIGNIN:
            context = self.get_context_data(form=self.get_form_class()(request))
            context["locked_message"] = "Password sign-in is turned off: use single sign-on."
            return render(request, self.template_name, context, status=403)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not selectors.mfa_enabled(user):
            return super().form_valid(form)
        # The password was right; the session is signed in only after the second factor.
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(clock.now().timestamp()),
            "next": self.get_success_url(),
        }
        return redirect("signin-verify")


class CodeForm(Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput({"autocomplete": "one-time-code", "autofocus": True}),
    )


def _pending_user(request: HttpRequest) -> tuple[Any, dict] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if int(clock.now().timestamp()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@never_cache
@csrf_protect
def signin_verify(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        return redirect("login")
    user, pending = found
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return signin_locked_out(request, None, credentials)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = services.mfa_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            del request.session[PENDING]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return HttpResponseRedirect(_safe(request, pending.get("next", "")))
        # A wrong code counts like a wrong password (django-axes, per account and address).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return signin_locked_out(request, None, credentials)
        form.add_error("token", "That code is not right, or the recovery code was used already.")
    if request.method == "POST":
        status = 400
    context = {"form": form, "username": user.get_username()}
    return render(request, "registration/verify.html", context, status=status)


def _safe(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site signs in through Firebell's sign-in (throttled, two-factor)."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
