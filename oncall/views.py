"""On-call in the browser — who is on call, schedules and overrides, escalation policies, a
person's notification rules, escalation actions on the incident page — and the iCal feeds.

The same plumbing as the incident pages (incidents.views): views parse input and call
oncall.selectors / oncall.services; an htmx request gets back the region that changed, every form
also works without JavaScript (POST, then redirect), and domain errors become 400/403/404/409
answers with the service's own message. iCal feeds are authenticated by the token in the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock
from core.errors import PermissionDeniedError
from core.ui import flash_response, form_error, ui_view, with_event
from incidents import selectors as incident_selectors
from incidents.models import Incident, Source
from incidents.pages import INCIDENT_CHANGED, incident_changed_response
from oncall import selectors, services
from oncall.forms import (
    LevelForm,
    NotificationRuleForm,
    OverrideForm,
    PageResponderForm,
    PolicyForm,
    ReassignForm,
    TargetForm,
)
from oncall.ical import shifts_to_ical
from oncall.models import (
    CalendarToken,
    EscalationLevel,
    EscalationTarget,
    NotificationRule,
    Override,
    Schedule,
)
from oncall.selectors import UPCOMING_DAYS, schedule_shifts, user_shifts

ICAL = "text/calendar; charset=utf-8"


# --- plumbing ------------------------------------------------------------------------------------


def _done(
    request: HttpRequest, region: Callable[[], HttpResponse], back: str, message: str
) -> HttpResponse:
    """htmx: the fresh region; otherwise a message and back to the page (POST → redirect)."""
    if request.htmx:
        return region()
    messages.success(request, message)
    return redirect(back)


def _require(allowed: bool, message: str) -> None:
    # The services check again; refusing first means a viewer's invalid form is a 403 too.
    if not allowed:
        raise PermissionDeniedError(message)


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


# --- on-call page and schedules ------------------------------------------------------------------


@require_GET
@ui_view
def oncall_home(request: HttpRequest) -> HttpResponse:
    overview = selectors.oncall_overview(actor=request.user)
    return render(request, "oncall/home.html", {"overview": overview})


def _schedule_context(
    request: HttpRequest, schedule: Schedule, form: OverrideForm | None = None
) -> dict[str, Any]:
    now = clock.now()
    return {
        "schedule": schedule,
        "oncall_user": selectors.schedule_oncall_user(schedule, at=now),
        "table": selectors.schedule_day_table(schedule),
        "overrides": selectors.schedule_overrides_upcoming(schedule),
        "form": form or _blank_override_form(schedule),
        "can_add": selectors.user_can_add_override(request.user),
        "can_delete": selectors.user_can_delete_override(request.user),
        "ical_url": _absolute(reverse("oncall:schedule-ical", args=[schedule.ical_token])),
    }


def _blank_override_form(schedule: Schedule) -> OverrideForm:
    """Prefilled with the next whole hour for four hours, in the schedule's zone."""
    form = OverrideForm(schedule=schedule)
    start = (clock.now().astimezone(form.tz) + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    form.initial = {"start_at": start, "end_at": start + timedelta(hours=4)}
    return form


def _schedule_response(
    request: HttpRequest, schedule: Schedule, form: OverrideForm | None = None, status: int = 200
) -> HttpResponse:
    context = _schedule_context(request, schedule, form)
    template = "oncall/partials/schedule_body.html" if request.htmx else "oncall/schedule.html"
    return render(request, template, context, status=status)


@require_GET
@ui_view
def schedule_detail(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    return _schedule_response(request, schedule)


@require_POST
@ui_view
def override_add(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    _require(
        selectors.user_can_add_override(request.user),
        "You do not have permission to add overrides.",
    )
    form = OverrideForm(request.POST, schedule=schedule)
    if not form.is_valid():
        return _schedule_response(request, schedule, form, status=400)
    data = form.cleaned_data
    override = services.override_create(
        schedule=schedule,
        user=data["user"],
        start_at=data["start_at"],
        end_at=data["end_at"],
        actor=request.user,
    )
    who = override.user.get_full_name() or override.user.get_username()
    return _done(
        request,
        lambda: _schedule_response(request, schedule),
        reverse("oncall:schedule", args=[slug]),
        f"{who} covers {schedule} from {data['start_at']:%a %d %b %H:%M}.",
    )


@require_POST
@ui_view
def override_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    override = get_object_or_404(Override, pk=pk, schedule=schedule)
    services.override_delete(override=override, actor=request.user)
    return _done(
        request,
        lambda: _schedule_response(request, schedule),
        reverse("oncall:schedule", args=[slug]),
        "Override removed.",
    )


# --- escalation policies -------------------------------------------------------------------------


@require_GET
@ui_view
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = selectors.policy_list_for_user(actor=request.user)
    context = {"policies": policies, "can_edit": selectors.user_can_edit_policies(request.user)}
    return render(request, "oncall/policies.html", context)


@require_http_methods(["GET", "POST"])
@ui_view
def policy_create(request: HttpRequest) -> HttpResponse:
    _require(
        request.user.has_perm("oncall.add_escalationpolicy"),
        "You do not have permission to create escalation policies.",
    )
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy = services.policy_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Policy {policy.name} created: add its levels.")
        return redirect("oncall:policy", slug=policy.slug)
    status = 400 if form.is_bound else 200
    return render(request, "oncall/policy_new.html", {"form": form}, status=status)


POLICY_REGIONS = {
    "policy-settings": "oncall/partials/policy_settings.html",
    "policy-levels": "oncall/partials/policy_levels.html",
}


def _policy_response(
    request: HttpRequest,
    slug: str,
    *,
    region: str | None = None,
    form: PolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    context = {
        "policy": policy,
        "levels": list(policy.levels.all()),
        "form": form or PolicyForm.for_policy(policy),
        "can_edit": selectors.user_can_edit_policies(request.user),
        "level_form": LevelForm(),
        "target_form": TargetForm(),
        "schedules": Schedule.objects.order_by("name"),
    }
    template = POLICY_REGIONS.get(region or "", "oncall/policy.html")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@ui_view
def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "GET":
        target = request.htmx.target if request.htmx else None
        return _policy_response(request, slug, region=target if target in POLICY_REGIONS else None)
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    _require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    form = PolicyForm(request.POST)
    region = "policy-settings" if request.htmx else None
    if not form.is_valid():
        return _policy_response(request, slug, region=region, form=form, status=400)
    services.policy_update(policy=policy, actor=request.user, **form.cleaned_data)
    return _done(
        request,
        lambda: _policy_response(request, slug, region=region),
        reverse("oncall:policy", args=[slug]),
        f"Policy {policy.name} saved. Incidents already paging keep the policy they started with.",
    )


def _level_of(request: HttpRequest, slug: str, pk: int) -> EscalationLevel:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    _require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    return get_object_or_404(EscalationLevel.objects.select_related("policy"), pk=pk, policy=policy)


def _levels_done(request: HttpRequest, slug: str, message: str) -> HttpResponse:
    return _done(
        request,
        lambda: _policy_response(request, slug, region="policy-levels"),
        reverse("oncall:policy", args=[slug]),
        message,
    )


@require_POST
@ui_view
def level_add(request: HttpRequest, slug: str) -> HttpResponse:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    _require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    form = LevelForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    level = services.level_add(
        policy=policy,
        delay=form.delay,
        is_team_lead=form.cleaned_data["is_team_lead"],
        actor=request.user,
    )
    return _levels_done(request, slug, f"Level {level.position} added: now give it a target.")


@require_POST
@ui_view
def level_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    level = _level_of(request, slug, pk)
    form = LevelForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.level_update(
        level=level,
        delay=form.delay,
        is_team_lead=form.cleaned_data["is_team_lead"],
        actor=request.user,
    )
    return _levels_done(request, slug, f"Level {level.position} saved.")


@require_POST
@ui_view
def level_move(request: HttpRequest, slug: str, pk: int, direction: str) -> HttpResponse:
    if direction not in {"up", "down"}:
        raise Http404("No such move.")
    level = _level_of(request, slug, pk)
    services.level_move(level=level, direction=direction, actor=request.user)
    return _levels_done(request, slug, f"Level moved to position {level.position}.")


@require_POST
@ui_view
def level_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    level = _level_of(request, slug, pk)
    services.level_delete(level=level, actor=request.user)
    return _levels_done(request, slug, f"Level {level.position} deleted.")


@require_POST
@ui_view
def target_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    level = _level_of(request, slug, pk)
    form = TargetForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.target_add(level=level, actor=request.user, **form.cleaned_data)
    return _levels_done(request, slug, f"Target added to level {level.position}.")


@require_POST
@ui_view
def target_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    _require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    target = get_object_or_404(EscalationTarget, pk=pk, level__policy=policy)
    services.target_remove(target=target, actor=request.user)
    return _levels_done(request, slug, "Target removed.")


# --- my on-call: notification rules, shifts, calendar --------------------------------------------


def _me_context(request: HttpRequest, form: NotificationRuleForm | None = None) -> dict[str, Any]:
    token = CalendarToken.objects.filter(user=request.user).first()
    return {
        "rule_groups": selectors.user_notification_rules(request.user),
        "form": form or NotificationRuleForm(),
        "shifts": selectors.user_upcoming_shifts(request.user),
        "ical_url": _absolute(reverse("oncall:user-ical", args=[token.token])) if token else "",
    }


def _me_response(
    request: HttpRequest, form: NotificationRuleForm | None = None, status: int = 200
) -> HttpResponse:
    template = "oncall/partials/my_rules.html" if request.htmx else "oncall/me.html"
    return render(request, template, _me_context(request, form), status=status)


def _require_own_view(request: HttpRequest) -> None:
    _require(
        selectors.user_can_view_oncall(request.user),
        "You do not have permission to see on-call settings.",
    )


@require_GET
@ui_view
def my_oncall(request: HttpRequest) -> HttpResponse:
    _require_own_view(request)
    return render(request, "oncall/me.html", _me_context(request))


def _me_done(request: HttpRequest, message: str) -> HttpResponse:
    return _done(request, lambda: _me_response(request), reverse("oncall:me"), message)


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


# --- escalation actions on the incident page ----------------------------------------------------


def _incident_for_action(request: HttpRequest, number: int) -> Incident:
    incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
    _require(
        incident_selectors.user_can_respond(request.user),
        "You do not have permission to act on incidents.",
    )
    return incident


def _incident_done(request: HttpRequest, number: int, message: str) -> HttpResponse:
    """htmx: the message in the page's message region, and every region refreshes itself."""
    if not request.htmx:
        messages.success(request, message)
        return redirect("incidents:detail", number=number)
    response = flash_response(request, message)
    return with_event(response, INCIDENT_CHANGED, region="incident_escalation")


@require_POST
@ui_view
def incident_escalate_now(request: HttpRequest, number: int) -> HttpResponse:
    """The incident page's "Escalate now": page the next level at once."""
    incident = _incident_for_action(request, number)
    services.escalation_escalate_now(incident=incident, actor=request.user, source=Source.WEB)
    if not request.htmx:
        messages.success(request, f"Incident #{number}: escalated to the next level.")
    return incident_changed_response(request, number, "incident_actions")


@require_POST
@ui_view
def incident_reassign(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    state = services.escalation_reassign(
        incident=incident, actor=request.user, source=Source.WEB, **form.cleaned_data
    )
    return _incident_done(request, number, f"{state.policy_snapshot['name']}: paging now.")


@require_POST
@ui_view
def incident_page_responder(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = PageResponderForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    user = form.cleaned_data["user"]
    services.page_extra_responder(
        incident=incident, user=user, actor=request.user, source=Source.WEB
    )
    return _incident_done(request, number, f"Paged {user.get_full_name() or user.get_username()}.")


# --- iCal feeds ----------------------------------------------------------------------------------


def _window():
    now = clock.now()
    return now - timedelta(days=1), now + timedelta(days=UPCOMING_DAYS)


def schedule_ical(request: HttpRequest, token: str) -> HttpResponse:
    schedule = get_object_or_404(Schedule, ical_token=token)
    start, end = _window()
    body = shifts_to_ical(schedule_shifts(schedule, start=start, end=end), name=schedule.name)
    return HttpResponse(body, content_type=ICAL)


def user_ical(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarToken.objects.select_related("user"), token=token)
    start, end = _window()
    shifts = user_shifts(feed.user, start=start, end=end)
    return HttpResponse(
        shifts_to_ical(shifts, name=f"On call: {feed.user.get_username()}"), content_type=ICAL
    )
