"""Reads of alert intake, with access checks."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from alerts.models import Alert, AlertDelivery, Integration, intake_key_hash
from core.errors import NotFoundError

RECENT_DELIVERIES = 50


def integration_get_by_key(*, kind: str, key: str) -> Integration | None:
    """The enabled integration of this kind with this intake key, or None."""
    if not key or len(key) > 255:
        return None
    return (
        Integration.objects.select_related("service", "default_severity")
        .filter(key_hash=intake_key_hash(key), kind=kind, enabled=True)
        .first()
    )


def integration_list(*, user: AbstractBaseUser) -> QuerySet:
    if not user.has_perm("alerts.view_integration"):
        return Integration.objects.none()
    return Integration.objects.select_related("service", "default_severity").order_by(
        "service__name", "name"
    )


def integration_get_for_user(*, user: AbstractBaseUser, pk: int) -> Integration:
    try:
        return integration_list(user=user).get(pk=pk)
    except (Integration.DoesNotExist, ValueError, OverflowError):
        raise NotFoundError(f"Integration {pk} does not exist.") from None


def integration_recent_deliveries(*, integration: Integration) -> QuerySet:
    return AlertDelivery.objects.filter(integration=integration).order_by("-received_at", "-id")[
        :RECENT_DELIVERIES
    ]


def incident_alert_list(incident) -> QuerySet:
    """Alerts of an incident, firing first, newest first."""
    return (
        Alert.objects.filter(incident=incident)
        .select_related("integration", "severity")
        .order_by("status", "-last_seen_at", "-id")
    )
