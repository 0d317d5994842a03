"""Schedule set-up from the app: a new schedule (/oncall/schedules/new/), its layers, and shift
swaps between two people. The schedule page (views/schedules.py) shows the forms."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.ui import form_error, render_page, ui_view
from oncall import selectors, services
from oncall.forms import RotationForm, ScheduleForm, SwapForm
from oncall.models import Rotation, ShiftSwap
from oncall.views.common import done, require
from oncall.views.schedules import schedule_response


def _require_edit(request: HttpRequest) -> None:
    require(
        selectors.user_can_edit_schedules(request.user),
        "You do not have permission to change schedules.",
    )


@require_http_methods(["GET", "POST"])
@ui_view
def schedule_new(request: HttpRequest) -> HttpResponse:
    """A schedule and its first layer in one form; then the schedule's page."""
    _require_edit(request)
    form = ScheduleForm(request.POST or None)
    rotation_form = RotationForm(request.POST or None, prefix="first")
    if request.method == "POST":
        if form.is_valid() and rotation_form.is_valid():
            schedule = services.schedule_create(
                actor=request.user,
                first_layer=rotation_form.service_kwargs(),
                **form.cleaned_data,
            )
            return redirect("oncall:schedule", slug=schedule.slug)
        status = 400
    else:
        rotation_form.initial = {"layer": 1, "shift_kind": "weekly", "handoff_time": "09:00"}
        status = 200
    context = {"form": form, "rotation_form": rotation_form}
    return render_page(request, "oncall/schedule_new.html", context, status=status)


def _back(request: HttpRequest, schedule, message: str) -> HttpResponse:
    return done(
        request,
        lambda: schedule_response(request, schedule),
        reverse("oncall:schedule", args=[schedule.slug]),
        message,
    )


@require_POST
@ui_view
def rotation_add(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    _require_edit(request)
    form = RotationForm(request.POST, prefix="new")
    if not form.is_valid():
        return schedule_response(request, schedule, rotation_form=form, status=400)
    services.rotation_save(schedule=schedule, actor=request.user, **form.service_kwargs())
    return _back(request, schedule, "Layer added.")


@require_POST
@ui_view
def rotation_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    _require_edit(request)
    rotation = get_object_or_404(Rotation, pk=pk, schedule=schedule)
    form = RotationForm(request.POST, prefix=f"r{rotation.pk}")
    if not form.is_valid():
        raise form_error(form)
    services.rotation_save(
        schedule=schedule, rotation=rotation, actor=request.user, **form.service_kwargs()
    )
    return _back(request, schedule, "Layer saved.")


@require_POST
@ui_view
def rotation_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    _require_edit(request)
    rotation = get_object_or_404(Rotation, pk=pk, schedule=schedule)
    services.rotation_delete(rotation=rotation, actor=request.user)
    return _back(request, schedule, "Layer deleted.")


@require_POST
@ui_view
def swap_request(request: HttpRequest, slug: str) -> HttpResponse:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    require(
        selectors.user_can_add_override(request.user), "You do not have permission to swap shifts."
    )
    form = SwapForm(request.POST, schedule=schedule, prefix="swap")
    if not form.is_valid():
        return schedule_response(request, schedule, swap_form=form, status=400)
    data = form.cleaned_data
    services.swap_request(
        schedule=schedule,
        counterpart=data["user"],
        start_at=data["start_at"],
        end_at=data["end_at"],
        note=data.get("note", ""),
        actor=request.user,
    )
    return _back(request, schedule, "Swap requested: it applies once they accept.")


def _swap(request: HttpRequest, slug: str, pk: int) -> tuple:
    schedule = selectors.schedule_get_for_user(actor=request.user, slug=slug)
    return schedule, get_object_or_404(ShiftSwap, pk=pk, schedule=schedule)


@require_POST
@ui_view
def swap_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule, swap = _swap(request, slug, pk)
    services.swap_accept(swap=swap, actor=request.user)
    return _back(request, schedule, "Swap accepted: you are on call for that time.")


@require_POST
@ui_view
def swap_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    schedule, swap = _swap(request, slug, pk)
    services.swap_decline(swap=swap, actor=request.user)
    return _back(request, schedule, "Swap request closed.")
