"""The status page's screen for staff (/status/manage/): what each component shows and why, the
maintenance to come; for admins also each component's state by hand or derived, and scheduling
maintenance. Views stay thin: statuspage.services decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from core import clock
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.ui import Form, form_error, render_page, ui_view
from statuspage import selectors, services
from statuspage.models import Component, ComponentState, Maintenance


class ComponentStateForm(Form):
    state = forms.ChoiceField(
        choices=[("", "Derived from incidents"), *ComponentState.choices], required=False
    )


class MaintenanceForm(Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Text")
    starts_at = forms.DateTimeField(
        label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Ends", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.order_by("order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


VIEW_PERMISSION = "statuspage.view_component"


def _require_configure(request: HttpRequest) -> None:
    if not request.user.has_perm(services.CONFIGURE_PERMISSION):
        raise PermissionDeniedError("Only admins manage the status page.")


def _context(form: MaintenanceForm | None) -> dict:
    summary = selectors.status_summary(now=clock.now())
    return {
        "summary": summary,
        "form": form,
        "state_choices": ComponentStateForm.base_fields["state"].choices,
        "maintenances": list(
            Maintenance.objects.filter(ends_at__gte=clock.now()).order_by("starts_at")
        ),
    }


@require_http_methods(["GET", "POST"])
@ui_view
def manage(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDeniedError("You do not have permission to view the status page's set-up.")
    form = None
    if request.user.has_perm(services.CONFIGURE_PERMISSION):
        form = MaintenanceForm(request.POST or None)
    elif request.method == "POST":
        _require_configure(request)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.maintenance_schedule(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                components=data["components"],
            )
        except ValidationError as error:  # shown on the form, what was typed kept
            for field, reasons in (error.errors or {"__all__": [error.message]}).items():
                for reason in reasons:
                    form.add_error(field if field in form.fields else None, reason)
        else:
            messages.success(request, "Maintenance scheduled.")
            return redirect("statuspage:manage")
    status = 400 if form is not None and form.is_bound else 200
    return render_page(request, "statuspage/manage.html", _context(form), status=status)


@require_POST
@ui_view
def component_state(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    component = Component.objects.filter(pk=pk).first()
    if component is None:
        raise NotFoundError("No such component.")
    form = ComponentStateForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.component_set_state(
        component=component, actor=request.user, state=form.cleaned_data["state"]
    )
    messages.success(request, f"{component.name}: state saved.")
    return redirect("statuspage:manage")
