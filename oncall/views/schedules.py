"""Who is on call (/oncall/) and a schedule's page with its overrides."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import clock
from core.ui import (
    render_page,
    render_region,
    ui_view,
)
from oncall import selectors, services
from oncall.forms import (
    WEEKDAY_CHOICES,
    OverrideForm,
    RotationForm,
    SwapForm,
)
from oncall.models import (
    Override,
    Schedule,
)
from oncall.views.common import absolute, done, require


@require_GET
@ui_view
def oncall_home(request: HttpRequest) -> HttpResponse:
    overview = selectors.oncall_overview(actor=request.user)
    return render_page(request, "oncall/home.html", {"overview": overview})


def _schedule_context(
    request: HttpRequest,
    schedule: Schedule,
    form: OverrideForm | None = None,
    rotation_form: RotationForm | None = None,
    swap_form: SwapForm | None = None,
) -> dict[str, Any]:
    now = clock.now()
    can_edit = selectors.user_can_edit_schedules(request.user)
    rotations = list(schedule.rotations.prefetch_related("participants__user"))
    return {
        "can_edit": can_edit,
        "rotations": rotations,
        "rotation_forms": [RotationForm.for_rotation(r) for r in rotations] if can_edit else [],
        "rotation_form": rotation_form or _blank_rotation_form(rotations),
        "swap_form": swap_form or _blank_swap_form(schedule),
        "swaps": selectors.schedule_swaps_open(schedule),
        "weekday_names": dict(WEEKDAY_CHOICES),
        "schedule": schedule,
        "oncall_user": selectors.schedule_oncall_user(schedule, at=now),
        "table": selectors.schedule_day_table(schedule),
        "overrides": selectors.schedule_overrides_upcoming(schedule),
        "form": form or _blank_override_form(schedule),
        "can_add": selectors.user_can_add_override(request.user),
        "can_delete": selectors.user_can_delete_override(request.user),
        "ical_url": absolute(reverse("oncall:schedule-ical", args=[schedule.ical_token])),
    }


def _blank_rotation_form(rotations: list) -> RotationForm:
    layer = max((r.layer for r in rotations), default=0) + 1
    form = RotationForm(prefix="new")
    form.initial = {"layer": layer, "shift_kind": "weekly", "start_date": clock.now().date()}
    return form


def _blank_swap_form(schedule: Schedule) -> SwapForm:
    form = SwapForm(schedule=schedule, prefix="swap")
    start = (clock.now().astimezone(form.tz) + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    form.initial = {"start_at": start, "end_at": start + timedelta(days=1)}
    return form


def _blank_override_form(schedule: Schedule) -> OverrideForm:
    """Prefilled with the next whole hour for four hours, in the schedule's zone."""
    form = OverrideForm(schedule=schedule)
    start = (clock.now().astimezone(form.tz) + timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    form.initial = {"start_at": start, "end_at": start + timedelta(hours=4)}
    return form


def schedule_response(
    request: HttpRequest,
    schedule: Schedule,
    form: OverrideForm | None = None,
    status: int = 200,
    rotation_form: RotationForm | None = None,
    swap_form: SwapForm | None = None,
) -> HttpResponse:
    """The schedule's page, or its `schedule_body` region for htmx (the set-up views too)."""
    context = _schedule_context(request, schedule, form, rotation_form, swap_form)
    if request.htmx:
        return render_region(
            request, "oncall/schedule.html", "schedule_body", context, status=status
        )
    return render_page(request, "oncall/schedule.html", context, status=status)


@require_GET
@ui_view
def schedule_detail(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    return schedule_response(request, schedule)


@require_POST
@ui_view
def override_add(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    require(
        selectors.user_can_add_override(request.user),
        "You do not have permission to add overrides.",
    )
    form = OverrideForm(request.POST, schedule=schedule)
    if not form.is_valid():
        return schedule_response(request, schedule, form, status=400)
    data = form.cleaned_data
    override = services.override_create(
        schedule=schedule,
        user=data["user"],
        start_at=data["start_at"],
        end_at=data["end_at"],
        actor=request.user,
    )
    who = override.user.get_full_name() or override.user.get_username()
    return done(
        request,
        lambda: schedule_response(request, schedule),
        reverse("oncall:schedule", args=[slug]),
        f"{who} covers {schedule} from {data['start_at']:%a %d %b %H:%M}.",
    )


@require_POST
@ui_view
def override_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    override = get_object_or_404(Override, pk=pk, schedule=schedule)
    services.override_delete(override=override, actor=request.user)
    return done(
        request,
        lambda: schedule_response(request, schedule),
        reverse("oncall:schedule", args=[slug]),
        "Override removed.",
    )
