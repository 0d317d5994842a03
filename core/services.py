"""Set-up that must hold on every installation: default severities, roles, groups, first admin."""

from __future__ import annotations

import secrets
import socket
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from core import clock
from core.models import WorkerHeartbeat

# The runbook's defaults. Existing rows are never overwritten: admins may have tuned them.
DEFAULT_SEVERITIES = [
    (1, "SEV-1", "Critical", "Complete outage, data loss, security breach.", 15, True),
    (2, "SEV-2", "High", "Major functionality broken.", 60, True),
    (3, "SEV-3", "Medium", "Minor issues, performance degradation.", 240, False),
    (4, "SEV-4", "Low", "Cosmetic issues.", 24 * 60, False),
]
DEFAULT_ROLES = [
    ("commander", "Incident Commander", "Owns the incident: decides, delegates, communicates.", 10),
    ("tech", "Technical Lead", "Leads the investigation and the fix.", 20),
    ("comms", "Communications Lead", "Keeps stakeholders and customers informed.", 30),
    ("scribe", "Scribe", "Keeps the timeline complete for the post-mortem.", 40),
]
VIEW_ONLY = ["view_"]
GROUP_PERMISSIONS: dict[str, list[str]] = {
    # codename prefixes or exact codenames, within the domain apps
    "Admin": ["*"],
    "Responder": [
        "view_",
        "add_incident",
        "respond_incident",
        "change_incident",
        "add_stakeholderupdate",
        "add_roleassignment",
        "change_roleassignment",
        "add_override",  # cover a shift; deleting overrides stays with admins
    ],
    "Viewer": VIEW_ONLY,
    "Moderator": VIEW_ONLY,
}
DOMAIN_APPS = ["incidents", "alerts", "oncall", "postmortems", "moderation", "integrations"]


def defaults_ensure() -> None:
    """Create the default severities, roles and permission groups if missing. Idempotent."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from incidents.models import Role, Severity

    # post_migrate reaches apps one by one; make sure every domain permission exists already.
    installed = {config.label for config in apps.get_app_configs()}
    # An app listed here before it is installed (being built on a branch) is skipped.
    for label in (label for label in DOMAIN_APPS if label in installed):
        create_permissions(apps.get_app_config(label), verbosity=0)
    with transaction.atomic():
        for rank, name, label, description, ack_minutes, postmortem in DEFAULT_SEVERITIES:
            Severity.objects.get_or_create(
                rank=rank,
                defaults={
                    "name": name,
                    "label": label,
                    "description": description,
                    "ack_target": timedelta(minutes=ack_minutes),
                    "postmortem_required": postmortem,
                    "postmortem_within_hours": 48,
                },
            )
        for slug, name, description, rank in DEFAULT_ROLES:
            Role.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "rank": rank}
            )
        permissions = list(Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS))
        for group_name, wanted in GROUP_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=group_name)
            chosen = [
                permission
                for permission in permissions
                if "*" in wanted
                or permission.codename in wanted
                or any(permission.codename.startswith(p) for p in wanted if p.endswith("_"))
            ]
            group.permissions.add(*chosen)
    from oncall.services import defaults_ensure_oncall

    defaults_ensure_oncall()


def admin_ensure(username: str = "admin") -> str | None:
    """Create a superuser `username` when no superuser exists; return its password, else None."""
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = user_model.objects.create_superuser(username=username, email="", password=password)
    user.groups.add(Group.objects.get(name="Admin"))
    return password


def worker_heartbeat_record(name: str = "worker") -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": clock.now(), "hostname": socket.gethostname()}
    )
    return heartbeat


def api_token_rotate(user: AbstractBaseUser) -> Token:
    """Give `user` a new API token; the previous one (if any) stops working at once.

    Returns the new token; its key is meant to be shown to the person once.
    """
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def service_account_create(*, username: str, group_name: str = "Responder") -> AbstractBaseUser:
    """Create a user for a machine: no usable password (it signs in with a token only).

    Raises ValueError when the username is taken or the group does not exist.
    """
    user_model = get_user_model()
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        raise ValueError(f"There is no group named {group_name!r}.")
    user = user_model(username=username)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            user.groups.add(group)
    except IntegrityError:
        raise ValueError(f"A user named {username!r} exists already.") from None
    return user
