"""Set-up reads: services with what they use, people with their role, the first-run checklist."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, QuerySet

from alerts.models import Integration
from core import clock
from core.errors import NotFoundError, PermissionDeniedError
from incidents.models import Service
from oncall.models import EscalationPolicy, RotationParticipant, Schedule
from setup.models import Invitation
from setup.services import PEOPLE_PERMISSION, ROLES

SERVICE_VIEW = "incidents.view_service"
SERVICE_EDIT = "incidents.change_service"


def user_can_view_services(user: AbstractBaseUser) -> bool:
    return user.has_perm(SERVICE_VIEW)


def user_can_edit_services(user: AbstractBaseUser) -> bool:
    return user.has_perm(SERVICE_EDIT) and user.has_perm("incidents.add_service")


def user_can_manage_people(user: AbstractBaseUser) -> bool:
    return user.has_perm(PEOPLE_PERMISSION)


def service_list(*, actor: AbstractBaseUser) -> QuerySet[Service]:
    if not user_can_view_services(actor):
        raise PermissionDeniedError("You do not have permission to see services.")
    return (
        Service.objects.select_related("escalation_policy")
        .prefetch_related("owners")
        .annotate(integration_count=Count("integrations", distinct=True))
        .order_by("name")
    )


def service_get(*, actor: AbstractBaseUser, slug: str) -> Service:
    service = service_list(actor=actor).filter(slug=slug).first()
    if service is None:
        raise NotFoundError(f"There is no service {slug}.")
    return service


def service_integrations(service: Service) -> list[Integration]:
    return list(Integration.objects.filter(service=service).order_by("name"))


def policy_choices() -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.order_by("name")


@dataclass(frozen=True)
class PersonRow:
    user: AbstractBaseUser
    role: str  # one of ROLES, or "" for someone outside every role


def people_list(*, actor: AbstractBaseUser) -> list[PersonRow]:
    if not user_can_manage_people(actor):
        raise PermissionDeniedError("You do not have permission to manage people.")
    users = (
        get_user_model()
        .objects.prefetch_related(Prefetch("groups", to_attr="role_groups"))
        .order_by("-is_active", "username")
    )
    rows = []
    for user in users:
        names = {group.name for group in user.role_groups}
        role = next((role for role in ROLES if role in names), "")
        rows.append(PersonRow(user, role))
    return rows


def person_get(*, actor: AbstractBaseUser, pk: int) -> AbstractBaseUser:
    if not user_can_manage_people(actor):
        raise PermissionDeniedError("You do not have permission to manage people.")
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise NotFoundError("There is no such person.")
    return user


def invitations_open(*, actor: AbstractBaseUser) -> list[Invitation]:
    if not user_can_manage_people(actor):
        raise PermissionDeniedError("You do not have permission to manage people.")
    return list(
        Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=clock.now()
        ).select_related("created_by")
    )


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    label: str
    url_name: str
    done: bool


def first_run_checklist() -> list[ChecklistItem]:
    """What a fresh install needs before a page can reach someone, each item done or not."""
    staffed = RotationParticipant.objects.values("rotation__schedule_id")
    return [
        ChecklistItem("service", "Create a service", "setup:service-new", Service.objects.exists()),
        ChecklistItem(
            "policy",
            "Give a service an escalation policy",
            "setup:services",
            Service.objects.filter(escalation_policy__isnull=False).exists(),
        ),
        ChecklistItem(
            "schedule",
            "Create a schedule with people on it",
            "oncall:schedule-new",
            Schedule.objects.filter(pk__in=staffed).exists(),
        ),
        ChecklistItem(
            "integration",
            "Connect an alert source (integration)",
            "alerts:integrations",
            Integration.objects.exists(),
        ),
        ChecklistItem(
            "invite",
            "Invite someone",
            "setup:people",
            Invitation.objects.exists()
            or get_user_model().objects.filter(is_active=True).count() > 1,
        ),
    ]
