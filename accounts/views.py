"""Browser screens of accounts: one's own account (sessions, token), and the admins' security
pages (sign-in lockouts, sessions, audit log)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors, services
from accounts.forms import AuditFilterForm
from accounts.pages import audit_row
from core import clock
from core.errors import PermissionDeniedError
from core.ui import render_page, ui_view


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
