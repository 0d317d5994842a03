"""My on-call (/oncall/me/): notification rules, shifts, calendar feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.ui import (
    form_error,
    render_page,
    render_region,
    ui_view,
)
from oncall import selectors, services
from oncall.forms import (
    NotificationRuleForm,
)
from oncall.models import (
    CalendarToken,
    NotificationRule,
)
from oncall.views.common import absolute, done, require


def _me_context(request: HttpRequest, form: NotificationRuleForm | None = None) -> dict[str, Any]:
    token = CalendarToken.objects.filter(user=request.user).first()
    return {
        "rule_groups": selectors.user_notification_rules(request.user),
        "form": form or NotificationRuleForm(),
        "shifts": selectors.user_upcoming_shifts(request.user),
        "ical_url": absolute(reverse("oncall:user-ical", args=[token.token])) if token else "",
    }


def _me_response(
    request: HttpRequest, form: NotificationRuleForm | None = None, status: int = 200
) -> HttpResponse:
    context = _me_context(request, form)
    if request.htmx:
        return render_region(request, "oncall/me.html", "my_rules", context, status=status)
    return render_page(request, "oncall/me.html", context, status=status)


def _require_own_view(request: HttpRequest) -> None:
    require(
        selectors.user_can_view_oncall(request.user),
        "You do not have permission to see on-call settings.",
    )


@require_GET
@ui_view
def my_oncall(request: HttpRequest) -> HttpResponse:
    _require_own_view(request)
    return render_page(request, "oncall/me.html", _me_context(request))


def _me_done(request: HttpRequest, message: str) -> HttpResponse:
    return done(request, lambda: _me_response(request), reverse("oncall:me"), message)


@require_POST
@ui_view
def rule_add(request: HttpRequest) -> HttpResponse:
    _require_own_view(request)
    form = NotificationRuleForm(request.POST)
    if not form.is_valid():
        return _me_response(request, form, status=400)
    services.notification_rule_create(
        user=request.user, actor=request.user, **form.service_kwargs()
    )
    return _me_done(request, "Notification rule added.")


def _own_rule(request: HttpRequest, pk: int) -> NotificationRule:
    _require_own_view(request)
    # Someone else's rule is "not found", not "forbidden": ids say nothing about other people.
    return get_object_or_404(NotificationRule, pk=pk, user=request.user)


@require_POST
@ui_view
def rule_update(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _own_rule(request, pk)
    form = NotificationRuleForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.notification_rule_update(rule=rule, actor=request.user, **form.service_kwargs())
    return _me_done(request, "Notification rule saved.")


@require_POST
@ui_view
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _own_rule(request, pk)
    services.notification_rule_delete(rule=rule, actor=request.user)
    return _me_done(request, "Notification rule removed.")


@require_POST
@ui_view
def rules_restore(request: HttpRequest) -> HttpResponse:
    _require_own_view(request)
    services.notification_rules_restore_defaults(user=request.user, actor=request.user)
    return _me_done(request, "Your notification rules are the defaults again.")


@require_POST
@ui_view
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    """Create the personal feed URL, or replace it (the old one stops working)."""
    _require_own_view(request)
    services.calendar_token_rotate(request.user)
    messages.success(request, "Your calendar URL is new; the previous one no longer works.")
    return redirect("oncall:me")
