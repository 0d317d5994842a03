"""Browser views of health checks (list + create, a check's page, edit, pause/resume, delete)
and the ping endpoint (no sign-in, no CSRF: the uuid in the URL is the secret)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checks import pages, selectors, services
from checks.forms import CheckForm
from checks.models import Check
from core.errors import PermissionDeniedError, ValidationError
from core.ui import render_page, ui_view

PING_BODY_LIMIT = 10_000  # kept as the result's message (a job's last lines of output)


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def ping(request: HttpRequest, check_uuid: str, kind: str) -> HttpResponse:
    try:
        parsed = uuid.UUID(check_uuid)
    except ValueError:
        return _plain("not found: no check has this ping URL\n", 404)
    # Read at most the limit: a job may post megabytes of output; only its head is kept.
    raw = request.read(PING_BODY_LIMIT) if request.method == "POST" else b""
    body = raw.decode(errors="replace")
    if kind == "ping" and watchdog_resolved(body):
        kind = "fail"
    answer = services.check_ping(
        check_uuid=parsed, kind=kind, source_ip=request.META.get("REMOTE_ADDR"), body=body
    )
    if not answer.found:
        return _plain("not found: no check has this ping URL\n", 404)
    return _plain("OK\n", 200)


def watchdog_resolved(body: str) -> bool:
    """Alertmanager posting a *resolved* group to a ping URL (the dead-man's switch): its
    always-firing Watchdog stopped, so the monitoring pipeline is broken — a fail, not a ping."""
    if not body.startswith("{"):
        return False
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(document, dict)
        and isinstance(document.get("alerts"), list)
        and document.get("status") == "resolved"
    )


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _require_configure(request: HttpRequest) -> None:
    if not selectors.user_can_configure_checks(request.user):
        raise PermissionDeniedError("Only admins can create or change checks.")


def _form_errors_onto(form: CheckForm, error: ValidationError) -> None:
    for field, reasons in (error.errors or {"__all__": [error.message]}).items():
        for reason in reasons:
            form.add_error(field if field in form.fields else None, reason)


@require_http_methods(["GET", "POST"])
@ui_view
def check_list(request: HttpRequest) -> HttpResponse:
    checks = list(selectors.check_list(user=request.user))
    form = None
    if selectors.user_can_configure_checks(request.user):
        form = CheckForm(request.POST or None)
    elif request.method == "POST":
        _require_configure(request)
    if request.method == "POST" and form is not None and form.is_valid():
        values = form.service_values()
        try:
            check = services.check_create(actor=request.user, **values)
        except ValidationError as error:
            _form_errors_onto(form, error)
        else:
            messages.success(request, f"Check {check.name} created.")
            return redirect("checks:detail", pk=check.pk)
    context = {"rows": pages.check_rows(checks), "form": form}
    status = 400 if form is not None and form.is_bound else 200
    return render_page(request, "checks/list.html", context, status=status)


@require_GET
@ui_view
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.check_get_for_user(user=request.user, pk=pk)
    return render_page(request, "checks/detail.html", _detail_context(request, check))


def _detail_context(request: HttpRequest, check: Check, **extra: Any) -> dict[str, Any]:
    return {
        "page": pages.CheckPage(
            check=check,
            can_configure=selectors.user_can_configure_checks(request.user),
            base_url=settings.PUBLIC_BASE_URL,
        ),
        "check": check,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@ui_view
def check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.check_get_for_user(user=request.user, pk=pk)
    _require_configure(request)
    form = CheckForm(request.POST or None, initial=CheckForm.initial_for(check), editing=True)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        values.pop("kind", None)
        try:
            services.check_update(check=check, actor=request.user, **values)
        except ValidationError as error:
            _form_errors_onto(form, error)
        else:
            messages.success(request, "Check saved.")
            return redirect("checks:detail", pk=check.pk)
    status = 400 if form.is_bound else 200
    return render_page(request, "checks/edit.html", {"check": check, "form": form}, status=status)


def _check_for_change(request: HttpRequest, pk: int) -> Check:
    check = selectors.check_get_for_user(user=request.user, pk=pk)
    _require_configure(request)
    return check


@require_POST
@ui_view
def check_pause(request: HttpRequest, pk: int) -> HttpResponse:
    services.check_pause(check=_check_for_change(request, pk), actor=request.user)
    messages.success(request, "Check paused.")
    return redirect("checks:detail", pk=pk)


@require_POST
@ui_view
def check_resume(request: HttpRequest, pk: int) -> HttpResponse:
    services.check_resume(check=_check_for_change(request, pk), actor=request.user)
    messages.success(request, "Check resumed.")
    return redirect("checks:detail", pk=pk)


@require_POST
@ui_view
def check_delete(request: HttpRequest, pk: int) -> HttpResponse:
    check = _check_for_change(request, pk)
    services.check_delete(check=check, actor=request.user)
    messages.success(request, f"Check {check.name} deleted.")
    return redirect("checks:list")
