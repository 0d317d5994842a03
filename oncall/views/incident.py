"""The escalation actions of the incident page: escalate now, reassign, page someone else."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.ui import (
    flash_response,
    form_error,
    ui_view,
    with_event,
)
from incidents import selectors as incident_selectors
from incidents.models import Incident, Source
from incidents.pages import INCIDENT_CHANGED, incident_changed_response
from oncall import services
from oncall.forms import (
    PageResponderForm,
    ReassignForm,
)
from oncall.views.common import require


def _incident_for_action(request: HttpRequest, number: int) -> Incident:
    incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
    require(
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
