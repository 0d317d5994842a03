"""Set-up screens: /services/ (list, new, edit, maintenance), /people/ (roles, deactivate,
invitations) and /invite/<token>/ where an invited person creates their account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock
from core.errors import DomainError, NotFoundError, PermissionDeniedError
from core.ui import form_error, render_page, ui_view
from setup import selectors, services
from setup.forms import AcceptForm, InviteForm, MaintenanceForm, RoleForm, ServiceForm
from setup.models import Invitation


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


def _done(request: HttpRequest, message: str, back: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(back)


# --- services -------------------------------------------------------------------------------------


@require_GET
@ui_view
def service_list(request: HttpRequest) -> HttpResponse:
    context = {
        "services": selectors.service_list(actor=request.user),
        "can_edit": selectors.user_can_edit_services(request.user),
    }
    return render_page(request, "setup/services.html", context)


@require_http_methods(["GET", "POST"])
@ui_view
def service_new(request: HttpRequest) -> HttpResponse:
    _require(
        selectors.user_can_edit_services(request.user),
        "You do not have permission to add services.",
    )
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = services.service_create_with_owners(
            actor=request.user, owners=list(form.cleaned_data["owners"]), **form.service_fields()
        )
        return _done(request, f"Service {service.name} created.", reverse("setup:services"))
    status = 400 if request.method == "POST" else 200
    return render_page(request, "setup/service_form.html", {"form": form}, status=status)


def _service_context(request: HttpRequest, service, form: ServiceForm | None) -> dict[str, Any]:
    return {
        "service": service,
        "form": form,
        "integrations": selectors.service_integrations(service),
        "maintenance_form": MaintenanceForm(),
        "now": clock.now(),
        "can_edit": selectors.user_can_edit_services(request.user),
    }


@require_http_methods(["GET", "POST"])
@ui_view
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_get(actor=request.user, slug=slug)
    can_edit = selectors.user_can_edit_services(request.user)
    if request.method == "POST":
        _require(can_edit, "You do not have permission to change services.")
        form = ServiceForm(request.POST)
        if form.is_valid():
            services.service_update_with_owners(
                service=service,
                actor=request.user,
                owners=list(form.cleaned_data["owners"]),
                **form.service_fields(),
            )
            return _done(request, f"Service {service.name} saved.", reverse("setup:services"))
        return render_page(
            request, "setup/service.html", _service_context(request, service, form), status=400
        )
    form = None
    if can_edit:
        form = ServiceForm(
            initial={
                "name": service.name,
                "description": service.description,
                "owner_team": service.owner_team,
                "escalation_policy": service.escalation_policy_id,
                "owners": [owner.pk for owner in service.owners.all()],
                "slack_channel": service.slack_channel,
            }
        )
    return render_page(request, "setup/service.html", _service_context(request, service, form))


@require_POST
@ui_view
def service_maintenance(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_get(actor=request.user, slug=slug)
    _require(
        selectors.user_can_edit_services(request.user),
        "You do not have permission to change services.",
    )
    form = MaintenanceForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    minutes = form.cleaned_data["minutes"]
    until = clock.now() + timedelta(minutes=minutes) if minutes else None
    count = services.service_maintenance_set(service=service, until=until, actor=request.user)
    what = f"until {until:%H:%M} UTC" if until else "ended"
    return _done(
        request,
        f"Maintenance {what} for {count} integration(s) of {service.name}.",
        reverse("setup:service", args=[service.slug]),
    )


# --- people ---------------------------------------------------------------------------------------


def _people_context(request: HttpRequest, form: InviteForm | None = None, link: str = ""):
    return {
        "people": selectors.people_list(actor=request.user),
        "invitations": selectors.invitations_open(actor=request.user),
        "invite_form": form or InviteForm(),
        "role_choices": services.ROLES,
        "new_link": link,
    }


@require_GET
@ui_view
def people(request: HttpRequest) -> HttpResponse:
    link = request.session.pop("invitation_link_once", "")
    return render_page(request, "setup/people.html", _people_context(request, link=link))


@require_POST
@ui_view
def invite(request: HttpRequest) -> HttpResponse:
    _require(selectors.user_can_manage_people(request.user), "You may not invite people.")
    form = InviteForm(request.POST)
    if not form.is_valid():
        return render_page(request, "setup/people.html", _people_context(request, form), status=400)
    accept_url = request.build_absolute_uri(reverse("setup:accept", args=["TOKEN"]))
    invitation, token = services.invitation_create(
        actor=request.user, accept_url=accept_url, **form.cleaned_data
    )
    # Shown once on the next page, for an admin to pass on when e-mail is not set up.
    request.session["invitation_link_once"] = accept_url.replace("TOKEN", token)
    return _done(request, f"Invitation sent to {invitation.email}.", reverse("setup:people"))


@require_POST
@ui_view
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(selectors.user_can_manage_people(request.user), "You may not revoke invitations.")
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None:
        raise NotFoundError("There is no such invitation.")
    services.invitation_revoke(invitation=invitation, actor=request.user)
    return _done(request, f"Invitation of {invitation.email} revoked.", reverse("setup:people"))


@require_POST
@ui_view
def person_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.person_get(actor=request.user, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.person_role_set(user=user, role=form.cleaned_data["role"], actor=request.user)
    return _done(
        request,
        f"{user.get_username()} is now {form.cleaned_data['role']}.",
        reverse("setup:people"),
    )


@require_POST
@ui_view
def person_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.person_get(actor=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    services.person_active_set(user=user, active=active, actor=request.user)
    verb = "reactivated" if active else "deactivated"
    return _done(request, f"{user.get_username()} {verb}.", reverse("setup:people"))


# --- accepting an invitation (signed out) -----------------------------------------------------


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person chooses a username and password; then they are signed in."""
    try:
        invitation = services.invitation_for_token(token)
    except NotFoundError as error:
        return render_page(request, "setup/accept.html", {"error": str(error)}, status=404)
    form = AcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = services.invitation_accept(token=token, **form.cleaned_data)
            except NotFoundError as error:
                return render_page(request, "setup/accept.html", {"error": str(error)}, status=404)
            except DomainError as error:  # shown on the form; nothing was created
                form.add_error(None, str(error))
            else:
                # The model backend (AUTHENTICATION_BACKENDS ends with it; axes' comes first).
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
                return _done(request, f"Welcome to Firebell, {user.get_username()}.", "/")
    context = {"invitation": invitation, "form": form, "error": ""}
    return render_page(request, "setup/accept.html", context, status=status)
