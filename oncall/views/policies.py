"""Escalation policies: the list, a new one, and a policy's levels and settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.ui import (
    form_error,
    render_page,
    render_region,
    ui_view,
)
from oncall import selectors, services
from oncall.forms import (
    LevelForm,
    PolicyForm,
    TargetForm,
)
from oncall.models import (
    EscalationLevel,
    EscalationTarget,
    Schedule,
)
from oncall.views.common import done, require


@require_GET
@ui_view
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = selectors.policy_list_for_user(actor=request.user)
    context = {"policies": policies, "can_edit": selectors.user_can_edit_policies(request.user)}
    return render_page(request, "oncall/policies.html", context)


@require_http_methods(["GET", "POST"])
@ui_view
def policy_create(request: HttpRequest) -> HttpResponse:
    require(
        request.user.has_perm("oncall.add_escalationpolicy"),
        "You do not have permission to create escalation policies.",
    )
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy = services.policy_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Policy {policy.name} created: add its levels.")
        return redirect("oncall:policy", slug=policy.slug)
    status = 400 if form.is_bound else 200
    return render_page(request, "oncall/policy_new.html", {"form": form}, status=status)


POLICY_REGIONS = {"policy_settings", "policy_levels"}


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
    if region in POLICY_REGIONS:
        return render_region(request, "oncall/policy.html", region, context, status=status)
    return render_page(request, "oncall/policy.html", context, status=status)


@require_http_methods(["GET", "POST"])
@ui_view
def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "GET":
        target = request.htmx.target if request.htmx else None
        return _policy_response(request, slug, region=target if target in POLICY_REGIONS else None)
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    form = PolicyForm(request.POST)
    region = "policy_settings" if request.htmx else None
    if not form.is_valid():
        return _policy_response(request, slug, region=region, form=form, status=400)
    services.policy_update(policy=policy, actor=request.user, **form.cleaned_data)
    return done(
        request,
        lambda: _policy_response(request, slug, region=region),
        reverse("oncall:policy", args=[slug]),
        f"Policy {policy.name} saved. Incidents already paging keep the policy they started with.",
    )


def _level_of(request: HttpRequest, slug: str, pk: int) -> EscalationLevel:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    return get_object_or_404(EscalationLevel.objects.select_related("policy"), pk=pk, policy=policy)


def _levels_done(request: HttpRequest, slug: str, message: str) -> HttpResponse:
    return done(
        request,
        lambda: _policy_response(request, slug, region="policy_levels"),
        reverse("oncall:policy", args=[slug]),
        message,
    )


@require_POST
@ui_view
def level_add(request: HttpRequest, slug: str) -> HttpResponse:
    policy = selectors.policy_get_for_user(actor=request.user, slug=slug)
    require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
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
    require(selectors.user_can_edit_policies(request.user), "You may not edit policies.")
    target = get_object_or_404(EscalationTarget, pk=pk, level__policy=policy)
    services.target_remove(target=target, actor=request.user)
    return _levels_done(request, slug, "Target removed.")
