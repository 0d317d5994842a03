"""Browser screens of accounts: one's own account (sessions, token), and the admins' security
pages (sign-in lockouts, sessions, audit log)."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from accounts import selectors, services
from accounts.forms import AuditFilterForm, ConfirmForm
from accounts.pages import audit_row
from core import clock
from core.errors import NotFoundError, PermissionDeniedError
from core.ui import account_panel_list, form_error, render_page, safe_next, ui_view


def _require_security(request: HttpRequest) -> None:
    if not selectors.user_can_manage_security(request.user):
        raise PermissionDeniedError("Only administrators see sign-in security.")


@require_GET
@ui_view
def lockouts(request: HttpRequest) -> HttpResponse:
    _require_security(request)
    context = {
        "failures": selectors.signin_failures_recent(now=clock.now()),
        "failure_limit": settings.FIREBELL_SIGNIN_FAILURE_LIMIT,
        "lockout_minutes": settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES,
    }
    return render_page(request, "accounts/lockouts.html", context)


@require_POST
@ui_view
def lockout_clear(request: HttpRequest, pk: int) -> HttpResponse:
    _require_security(request)
    cleared = services.signin_lockout_clear(attempt_id=pk, actor=request.user)
    messages.success(request, "Unlocked." if cleared else "That sign-in was not locked any more.")
    return redirect("accounts:lockouts")


# --- Audit log (admins) -------------------------------------------------------------------------


@require_GET
@ui_view
def security_home(request: HttpRequest) -> HttpResponse:
    """/security/ (the nav's "Security"): the audit log, or the lockouts for those who only
    unlock accounts."""
    if selectors.user_can_view_audit(request.user):
        return redirect("accounts:audit")
    return redirect("accounts:lockouts")


@require_GET
@ui_view
def audit_log(request: HttpRequest) -> HttpResponse:
    if not selectors.user_can_view_audit(request.user):
        raise PermissionDeniedError("Only administrators see the audit log.")
    form = AuditFilterForm(request.GET or None, kinds=selectors.audit_kinds())
    status = 200
    filters = selectors.AuditFilters()
    if form.is_bound:
        if form.is_valid():
            filters = form.filters()
        else:
            status = 400
    paginator = Paginator(selectors.audit_entries(filters), selectors.AUDIT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": [audit_row(entry) for entry in page.object_list],
        "page": page,
        "query": query.urlencode(),
        "retention_days": settings.FIREBELL_AUDIT_RETENTION_DAYS,
    }
    return render_page(request, "accounts/audit.html", context, status=status)


# --- Sessions: one's own, and everyone's for admins ------------------------------------------


@require_GET
@ui_view
def my_account(request: HttpRequest) -> HttpResponse:
    context = {
        "sessions": selectors.user_sessions(request.user),
        "current_key": request.session.session_key,
        "token": selectors.api_token_of(request.user),
        "mfa_enabled": selectors.mfa_enabled(request.user),
        "panels": account_panel_list(request),  # other apps' (core.ui.account_panels)
    }
    return render_page(request, "accounts/me.html", context)


@require_POST
@ui_view
def my_sessions_end(request: HttpRequest) -> HttpResponse:
    services.sessions_end_all(user=request.user, actor=request.user)
    return redirect("login")  # this session ended with the others


@require_GET
@ui_view
def sessions(request: HttpRequest) -> HttpResponse:
    _require_security(request)
    context = {"people": selectors.users_with_sessions()}
    return render_page(request, "accounts/sessions.html", context)


@require_POST
@ui_view
def user_sessions_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require_security(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    ended = services.sessions_end_all(user=user, actor=request.user)
    messages.success(request, f"{user.get_username()} is signed out of {ended} session(s).")
    if user.pk == request.user.pk:
        return redirect("login")
    return redirect("accounts:sessions")


# --- Two-factor sign-in: one's own ------------------------------------------------------------


@require_GET
@ui_view
def mfa(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code, secret, confirm with a code) or manage it."""
    user = request.user
    enabled = selectors.mfa_enabled(user)
    device = None if enabled else services.mfa_enrolment_start(user)
    context = {
        "enabled": enabled,
        "required": selectors.mfa_required(user),
        "secret": b32encode(device.bin_key).decode() if device else "",
        "codes_left": selectors.mfa_recovery_codes_left(user) if enabled else 0,
        "form": ConfirmForm(),
        "next": safe_next(request, default=""),
        "codes": [],
    }
    return render_page(request, "accounts/mfa.html", context)


@require_GET
@ui_view
def mfa_qr(request: HttpRequest) -> HttpResponse:
    """The authenticator being set up as a QR code (SVG, drawn on the server)."""
    device = selectors.mfa_pending_device(request.user)
    if device is None:
        raise NotFoundError("Nothing is being set up.")
    buffer = BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"  # it is the secret
    return response


@require_POST
@ui_view
def mfa_confirm(request: HttpRequest) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    device, codes = services.mfa_enrolment_confirm(
        user=request.user, token=form.cleaned_data["token"]
    )
    otp_login(request, device)  # this session has just shown the second factor
    return _codes_page(request, codes)


@require_POST
@ui_view
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    return _codes_page(request, services.mfa_recovery_codes_regenerate(request.user))


@require_POST
@ui_view
def mfa_disable(request: HttpRequest) -> HttpResponse:
    services.mfa_disable(user=request.user, actor=request.user)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:me")


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {
        "enabled": True,
        "required": selectors.mfa_required(request.user),
        "secret": "",
        "codes_left": len(codes),
        "form": ConfirmForm(),
        "next": safe_next(request, default=""),
        "codes": codes,
    }
    return render_page(request, "accounts/mfa.html", context)
