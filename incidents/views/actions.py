"""What responders do on an incident (POST): transitions, severity, roles, notes, updates.

Each parses its form, calls one service, and answers with `pages.incident_changed_response`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from core.errors import PermissionDeniedError
from core.ui import form_error, ui_view
from incidents import selectors, services
from incidents.forms import (
    NoteForm,
    RoleAssignForm,
    RoleUnassignForm,
    SeverityForm,
    StakeholderUpdateForm,
    TransitionForm,
)
from incidents.models import Incident, Source
from incidents.pages import incident_changed_response

TRANSITIONS: dict[str, Callable[..., Incident]] = {
    "acknowledge": services.incident_acknowledge,
    "mitigate": services.incident_mitigate,
    "resolve": services.incident_resolve,
    "close": services.incident_close,
    "reopen": services.incident_reopen,
}
# Which keyword each transition service takes for the optional note.
TRANSITION_NOTE = {"mitigate": "message", "resolve": "message", "reopen": "reason"}


def incident_for_action(request: HttpRequest, number: int) -> Incident:
    """The incident, for someone who may act on it: 404 for outsiders, 403 for viewers (the
    services check again; this gives every action view the same early answer)."""
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    if not selectors.user_can_respond(request.user):
        raise PermissionDeniedError("You do not have permission to act on incidents.")
    return incident


@require_POST
@ui_view
def incident_transition(request: HttpRequest, number: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS:
        raise Http404("No such action.")
    incident = incident_for_action(request, number)
    form = TransitionForm(request.POST)
    kwargs: dict[str, Any] = {}
    if form.is_valid() and form.cleaned_data["note"] and action in TRANSITION_NOTE:
        kwargs[TRANSITION_NOTE[action]] = form.cleaned_data["note"]
    TRANSITIONS[action](incident=incident, actor=request.user, source=Source.WEB, **kwargs)
    if not request.htmx:
        messages.success(request, f"Incident #{number}: {action} done.")
    return incident_changed_response(request, number, "incident_actions")


@require_POST
@ui_view
def incident_severity(request: HttpRequest, number: int) -> HttpResponse:
    incident = incident_for_action(request, number)
    form = SeverityForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.incident_change_severity(
        incident=incident,
        severity=form.cleaned_data["severity"],
        actor=request.user,
        source=Source.WEB,
    )
    return incident_changed_response(request, number, "incident_actions")


@require_POST
@ui_view
def incident_role_assign(request: HttpRequest, number: int) -> HttpResponse:
    incident = incident_for_action(request, number)
    form = RoleAssignForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    data = form.cleaned_data
    services.incident_assign_role(
        incident=incident,
        role=data["role"],
        kind=data["kind"],
        user=request.user if data["me"] else data["user"],
        actor=request.user,
        source=Source.WEB,
    )
    return incident_changed_response(request, number, "incident_roles")


@require_POST
@ui_view
def incident_role_unassign(request: HttpRequest, number: int) -> HttpResponse:
    incident = incident_for_action(request, number)
    form = RoleUnassignForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.incident_unassign_role(
        incident=incident,
        role=form.cleaned_data["role"],
        kind=form.cleaned_data["kind"],
        actor=request.user,
        source=Source.WEB,
    )
    return incident_changed_response(request, number, "incident_roles")


@require_POST
@ui_view
def incident_note(request: HttpRequest, number: int) -> HttpResponse:
    incident = incident_for_action(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.incident_add_note(
        incident=incident, text=form.cleaned_data["text"], actor=request.user, source=Source.WEB
    )
    return incident_changed_response(request, number, "note_form")


@require_POST
@ui_view
def incident_update_post(request: HttpRequest, number: int) -> HttpResponse:
    incident = incident_for_action(request, number)
    form = StakeholderUpdateForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.incident_post_stakeholder_update(
        incident=incident, actor=request.user, source=Source.WEB, **form.cleaned_data
    )
    if not request.htmx:
        messages.success(request, "Stakeholder update posted.")
    return incident_changed_response(request, number, "update_composer")
