"""Set-up that must hold on every installation — the permission groups, each app's defaults
(registered by the app), the first admin — and a few account services."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.apps import AppConfig, apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import IntegrityError, transaction

from core import clock
from core.models import PeriodicJobRun, WorkerHeartbeat

# The permission groups people are put in. Each app grants its own permissions to them
# (`group_permissions_grant`, from the seed it registers with `defaults_register`).
ADMIN, RESPONDER, VIEWER = "Admin", "Responder", "Viewer"

_SEEDS: dict[str, Callable[[], None]] = {}


def defaults_register(app_config: AppConfig, seed: Callable[[], None]) -> None:
    """Register, from an app's `ready()`, how it seeds what a new installation needs (its
    default rows, its permissions for the groups). `seed` runs after every migrate of that app
    and in `defaults_ensure()`; it must be idempotent and never overwrite what admins changed."""
    _SEEDS[app_config.label] = seed


def defaults_ensure() -> None:
    """The groups, then every registered app's defaults, in INSTALLED_APPS order. Idempotent."""
    from django.contrib.auth.management import create_permissions

    groups_ensure()
    for app_config in apps.get_app_configs():
        seed = _SEEDS.get(app_config.label)
        if seed is not None:
            create_permissions(app_config, verbosity=0)  # a flushed database has none
            seed()


def defaults_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    """post_migrate receiver: core's groups, then each app's seed once its permissions exist
    (auth's own post_migrate receiver, connected before, has created them)."""
    if sender.label == "core":
        groups_ensure()
    elif (seed := _SEEDS.get(sender.label)) is not None:
        seed()


def groups_ensure() -> None:
    for name in (ADMIN, RESPONDER, VIEWER):
        Group.objects.get_or_create(name=name)


def group_permissions_grant(app_label: str, *, responder: Iterable[str] = ()) -> None:
    """Give the groups their share of an app's permissions: Admin all of them, Viewer the
    `view_` ones, Responder those and the codenames in `responder`. Never takes any away."""
    permissions = list(Permission.objects.filter(content_type__app_label=app_label))
    viewing = [p for p in permissions if p.codename.startswith("view_")]
    acting = [p for p in permissions if p.codename in set(responder)]
    groups = {
        group.name: group for group in Group.objects.filter(name__in=[ADMIN, RESPONDER, VIEWER])
    }
    with transaction.atomic():
        groups[ADMIN].permissions.add(*permissions)
        groups[VIEWER].permissions.add(*viewing)
        groups[RESPONDER].permissions.add(*viewing, *acting)


def admin_ensure(username: str = "admin") -> str | None:
    """Create a superuser `username` when no superuser exists; return its password, else None."""
    user_model = get_user_model()
    if user_model.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = user_model.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=ADMIN))
    return password


def worker_heartbeat_record(name: str = "worker") -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": clock.now(), "hostname": socket.gethostname()}
    )
    return heartbeat


def periodic_job_claim(name: str, *, every: timedelta, claimer: str = "") -> bool:
    """Claim this run of periodic job `name`: True if nobody sent it within the last
    0.8 of `every` (the caller sends it now), False if another beat just did.

    One conditional UPDATE whose row count is checked, so of several beats claiming at once
    exactly one wins; the first run of a job inserts its row (a race on that insert is settled
    by the primary key). The margin lets a beat whose tick is a little early still win its own
    turn, while a second beat at any phase finds the run taken.
    """
    now = clock.now()
    runs = PeriodicJobRun.objects.filter(name=name, sent_at__lte=now - every * 0.8)
    if runs.update(sent_at=now, sent_by=claimer):
        return True
    _, created = PeriodicJobRun.objects.get_or_create(
        name=name, defaults={"sent_at": now, "sent_by": claimer}
    )
    return created


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
