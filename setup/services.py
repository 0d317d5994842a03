"""Set-up writes: a service's maintenance (through its integrations), invitations, people's
roles and deactivation. Services themselves are created and changed by incidents.services; the
set-up screens save a service with its owners through one transaction here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from alerts.models import Integration
from alerts.services import integration_set_maintenance
from core import clock
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from incidents import services as incident_services
from incidents.models import Service
from setup.models import Invitation

# The roles a person can have: each is a permission group (core and moderation create them).
ROLES = ("Admin", "Responder", "Viewer", "Moderator")
INVITATION_DAYS = 7
PEOPLE_PERMISSION = "auth.change_user"


def defaults_ensure_setup() -> None:
    """The Admin group manages people (/people/ needs `auth.change_user`) and invitations.
    Idempotent; never takes a permission away."""
    from core.services import ADMIN, group_permissions_grant

    group_permissions_grant("setup")
    people = Permission.objects.filter(
        content_type__app_label="auth",
        codename__in=["view_user", "add_user", "change_user", "view_group"],
    )
    Group.objects.get(name=ADMIN).permissions.add(*people)


def _require(actor: AbstractBaseUser | None, permission: str, action: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {action}.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def service_maintenance_set(
    *, service: Service, until: datetime | None, actor: AbstractBaseUser | None
) -> int:
    """Put every integration of `service` in maintenance until `until` (alerts are stored, an
    incident is opened, nobody is paged), or end it with None. One transaction; returns how many
    integrations it touched. The integrations' own rule (`integration_set_maintenance`) checks
    the permission and that `until` is in the future."""
    with transaction.atomic():
        integrations = list(Integration.objects.select_for_update().filter(service=service))
        for integration in integrations:
            integration_set_maintenance(integration=integration, until=until, actor=actor)
    return len(integrations)


def service_create_with_owners(
    *, actor: AbstractBaseUser | None, owners: list[AbstractBaseUser], **fields: Any
) -> Service:
    """Create a service and set its owners in one transaction: a refused owner (e.g. someone
    deactivated meanwhile) leaves no service behind."""
    with transaction.atomic():
        service = incident_services.service_create(actor=actor, **fields)
        incident_services.service_owners_set(service=service, owners=owners, actor=actor)
    return service


def service_update_with_owners(
    *,
    service: Service,
    actor: AbstractBaseUser | None,
    owners: list[AbstractBaseUser],
    **changes: Any,
) -> Service:
    """Change a service's fields and owners in one transaction (all or nothing)."""
    with transaction.atomic():
        incident_services.service_update(service=service, actor=actor, **changes)
        incident_services.service_owners_set(service=service, owners=owners, actor=actor)
    return service


# --- invitations --------------------------------------------------------------------------------


def _clean_role(role: str) -> Group:
    group = Group.objects.filter(name=role).first() if role in ROLES else None
    if group is None:
        raise ValidationError(
            f"Choose a role: {', '.join(ROLES)}.", errors={"role": ["Unknown role."]}
        )
    return group


def invitation_create(
    *, email: str, role: str, actor: AbstractBaseUser | None, accept_url: str
) -> tuple[Invitation, str]:
    """Invite `email` to join as `role`: a link valid for INVITATION_DAYS, usable once.

    Returns the invitation and its secret token (the link is `accept_url` with the token; only
    its hash is stored). The e-mail is sent after commit. Needs `auth.change_user`.
    """
    _require(actor, PEOPLE_PERMISSION, "invite people")
    email = email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError(
            f"{email!r} is not an e-mail address.", errors={"email": ["Invalid."]}
        ) from None
    _clean_role(role)
    if get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
        raise ValidationError(
            f"{email} has an account already.", errors={"email": ["Has an account."]}
        )
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            token_hash=token_hash(token),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        link = accept_url.replace("TOKEN", token)
        inviter = (actor.get_full_name() or actor.get_username()) if actor else "Firebell"
        transaction.on_commit(
            lambda: send_mail(
                "You are invited to Firebell",
                f"{inviter} invited you to Firebell as {role}.\n\n"
                f"Create your account (the link works once, for {INVITATION_DAYS} days):\n{link}\n",
                settings.DEFAULT_FROM_EMAIL,
                [email],
                fail_silently=True,  # the admin also sees the link to pass on by hand
            )
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The open invitation of this link; a used, revoked, expired or unknown one is a 404 that
    says which (nothing about the person behind it)."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    if invitation is None or invitation.revoked_at:
        raise NotFoundError("This invitation link is not valid. Ask for a new one.")
    if invitation.accepted_at:
        raise NotFoundError("This invitation link has been used already. Sign in instead.")
    if invitation.expires_at <= clock.now():
        raise NotFoundError("This invitation link has expired. Ask for a new one.")
    return invitation


def invitation_accept(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
) -> AbstractBaseUser:
    """Create the invited person's account in the invitation's role. The invitation is claimed
    by a conditional UPDATE in the same transaction, so the link works exactly once even when
    two people submit it at the same moment."""
    invitation = invitation_for_token(token)
    username = username.strip()
    if not username:
        raise ValidationError("Choose a username.", errors={"username": ["Required."]})
    user_model = get_user_model()
    candidate = user_model(username=username, email=invitation.email)
    try:
        validate_password(password, candidate)
    except DjangoValidationError as error:
        raise ValidationError(
            " ".join(error.messages), errors={"password": error.messages}
        ) from None
    now = clock.now()
    try:
        with transaction.atomic():
            claimed = Invitation.objects.filter(
                pk=invitation.pk,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            ).update(accepted_at=now)
            if not claimed:
                raise ConflictError("This invitation link has just been used.")
            user = user_model.objects.create_user(
                username=username,
                email=invitation.email,
                password=password,
                first_name=first_name.strip()[:150],
                last_name=last_name.strip()[:150],
            )
            user.groups.add(_clean_role(invitation.role))
            Invitation.objects.filter(pk=invitation.pk).update(accepted_user=user)
    except IntegrityError:
        raise ValidationError(
            f"The username {username!r} is taken; choose another.",
            errors={"username": ["Taken."]},
        ) from None
    return user


def invitation_revoke(*, invitation: Invitation, actor: AbstractBaseUser | None) -> None:
    _require(actor, PEOPLE_PERMISSION, "revoke invitations")
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=clock.now()
    )


# --- people ---------------------------------------------------------------------------------------


def person_role_set(*, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None) -> None:
    """Make `role` the person's only role among ROLES (other groups are kept). An admin cannot
    take away their own Admin role: someone must be left who can undo mistakes."""
    _require(actor, PEOPLE_PERMISSION, "change people's roles")
    group = _clean_role(role)
    if actor is not None and actor.pk == user.pk and role != "Admin":
        raise ConflictError("You cannot take away your own Admin role; ask another admin.")
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(pk=group.pk))
        user.groups.add(group)


def person_active_set(
    *, user: AbstractBaseUser, active: bool, actor: AbstractBaseUser | None
) -> None:
    """Deactivate (cannot sign in, is not paged or offered in pickers; history keeps the name)
    or reactivate someone. Nobody deactivates themselves."""
    _require(actor, PEOPLE_PERMISSION, "deactivate people")
    if actor is not None and actor.pk == user.pk and not active:
        raise ConflictError("You cannot deactivate yourself.")
    user.is_active = active
    user.save(update_fields=["is_active"])
