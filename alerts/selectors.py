"""Reads of alert intake, with access checks."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from alerts.models import Alert, AlertDelivery, Integration, intake_key_hash
from core.errors import NotFoundError, PermissionDeniedError
from incidents.selectors import user_can_view_incidents

RECENT_DELIVERIES = 50
INCIDENT_ALERTS_SHOWN = 100
ALERT_LABELS_SHOWN = 12


def integration_get_by_key(*, kind: str, key: str) -> Integration | None:
    """The enabled integration of this kind with this intake key, or None."""
    if not key or len(key) > 255:
        return None
    # The hot path of every webhook: one indexed row, no joins (the request needs only its id).
    return Integration.objects.filter(
        key_hash=intake_key_hash(key), kind=kind, enabled=True
    ).first()


def integration_list(*, user: AbstractBaseUser) -> QuerySet:
    if not user.has_perm("alerts.view_integration"):
        return Integration.objects.none()
    return Integration.objects.select_related("service", "default_severity").order_by(
        "service__name", "name"
    )


def integration_get_for_user(*, user: AbstractBaseUser, pk: int) -> Integration:
    try:
        return integration_overview_list(user=user).get(pk=pk)
    except (Integration.DoesNotExist, ValueError, OverflowError):
        raise NotFoundError(f"Integration {pk} does not exist.") from None


def integration_recent_deliveries(*, integration: Integration) -> QuerySet:
    return AlertDelivery.objects.filter(integration=integration).order_by("-received_at", "-id")[
        :RECENT_DELIVERIES
    ]


def incident_alert_list(incident) -> list[Alert]:
    """Alerts of an incident, firing first, newest first; at most INCIDENT_ALERTS_SHOWN (a storm
    attaches thousands). Each carries `web_links`, its links whose address is http(s) and so safe
    in an `href` (a sender could send `javascript:` URLs), and `label_pairs`, sorted and capped."""
    alerts = list(
        Alert.objects.filter(incident=incident)
        .select_related("integration", "severity")
        # What the incident page shows: the integration's and the alert's JSON settings and
        # payload would be decoded for every row and never read.
        .only(
            "incident_id",
            "title",
            "status",
            "source",
            "labels",
            "annotations",
            "links",
            "first_seen_at",
            "last_seen_at",
            "delivery_count",
            "integration__name",
            "severity__rank",
            "severity__name",
        )
        .order_by("status", "-last_seen_at", "-id")[:INCIDENT_ALERTS_SHOWN]
    )
    for alert in alerts:
        alert.web_links = _web_links(alert.links, alert.annotations)
        labels = alert.labels if isinstance(alert.labels, dict) else {}
        alert.label_pairs = sorted(labels.items())[:ALERT_LABELS_SHOWN]
    return alerts


def alert_web_links(alert: Alert) -> list[dict[str, str]]:
    """An alert's links and link annotations, http(s) only (safe in an href)."""
    return _web_links(alert.links, alert.annotations)


def incident_alerts_panel(page) -> dict[str, list]:
    """The incident page's Alerts panel: the alerts and their shared link annotations."""
    alerts = incident_alert_list(page.incident)
    return {"alerts": alerts, "links": incident_runbook_links(alerts)}


def incident_runbook_links(alerts: list[Alert]) -> list[dict[str, str]]:
    """The distinct link annotations of an incident's alerts (`runbook_url` first), shown once
    at the top of the Alerts panel: a group of 20 alerts usually shares one runbook."""
    seen: dict[str, dict[str, str]] = {}
    for alert in alerts:
        for link in alert.web_links:
            if link.get("annotation") and link["href"] not in seen:
                seen[link["href"]] = link
    return sorted(seen.values(), key=lambda link: (link["text"] != "Runbook", link["text"]))


def _annotation_links(annotations: object) -> list[dict[str, str]]:
    """Annotations that are links (`runbook_url`, `dashboard_url`, any `*_url`) as links named
    after their key: `runbook_url` → "Runbook", `grafana_dashboard_url` → "Grafana dashboard"."""
    if not isinstance(annotations, dict):
        return []
    links = []
    for key, value in sorted(annotations.items()):
        if not (isinstance(key, str) and key.lower().endswith("url") and isinstance(value, str)):
            continue
        words = key[: -len("url")].strip("_- ").replace("_", " ").replace("-", " ")
        text = (words[:1].upper() + words[1:]) if words else "Link"
        links.append({"href": value.strip(), "text": text, "annotation": key})
    return links


def _web_links(links: object, annotations: object = None) -> list[dict[str, str]]:
    items = [*(links if isinstance(links, list) else []), *_annotation_links(annotations)]
    safe, seen = [], set()
    for item in items:
        href = item.get("href") if isinstance(item, dict) else item
        if isinstance(href, str) and href.lower().startswith(("https://", "http://")):
            if href in seen:
                continue
            seen.add(href)
            text = item.get("text") if isinstance(item, dict) else None
            link = {"href": href, "text": str(text or "Link")}
            if isinstance(item, dict) and item.get("annotation"):
                link["annotation"] = item["annotation"]
            safe.append(link)
    return safe


# --- Integrations page and API ----------------------------------------------------------------

VIEW_PERMISSION = "alerts.view_integration"
# Where each kind posts; PagerDuty senders put the key in the body (`routing_key`), not the URL.
INTAKE_PATHS = {
    "alertmanager": "/hooks/alertmanager/{key}",
    "grafana": "/hooks/grafana/{key}",
    "generic": "/hooks/generic/{key}",
    "pagerduty": "/v2/enqueue",
}


def user_can_view_integrations(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def user_can_configure_integrations(user: AbstractBaseUser) -> bool:
    from alerts.services import CONFIGURE_PERMISSION

    return bool(user and user.is_authenticated and user.has_perm(CONFIGURE_PERMISSION))


def integration_intake_url(*, kind: str, key: str) -> str:
    """The address a sender posts to, with `key` in it (for PagerDuty: the Events API URL)."""
    from django.conf import settings

    return settings.PUBLIC_BASE_URL + INTAKE_PATHS[kind].format(key=key)


def integration_masked_intake_url(integration: Integration) -> str:
    """The intake URL with only the key's first characters: safe to show at any time."""
    return integration_intake_url(kind=integration.kind, key=integration.masked_key)


def integration_overview_list(*, user: AbstractBaseUser) -> QuerySet:
    """`integration_list` plus `last_delivery_at` / `last_delivery_status`, in one query."""
    from django.db.models import OuterRef, Subquery

    latest = AlertDelivery.objects.filter(integration=OuterRef("pk")).order_by(
        "-received_at", "-id"
    )
    return integration_list(user=user).annotate(
        last_delivery_at=Subquery(latest.values("received_at")[:1]),
        last_delivery_status=Subquery(latest.values("status")[:1]),
    )


def integration_delivery_list(
    *, integration: Integration, limit: int = RECENT_DELIVERIES
) -> QuerySet:
    """The latest deliveries, newest first, without their (possibly large) bodies."""
    return (
        AlertDelivery.objects.filter(integration=integration)
        .defer("body", "headers", "signals")
        .order_by("-received_at", "-id")[:limit]
    )


def incident_alert_count(incident) -> int:
    return Alert.objects.filter(incident=incident).count()


# --- Alerts in the API ---------------------------------------------------------------------------


def alert_list(
    *,
    user: AbstractBaseUser,
    status: list[str] | None = None,
    integration: list[int] | None = None,
    service: list[str] | None = None,
    severity: list[str] | None = None,
    incident: int | None = None,
    seen_after: datetime | None = None,
    seen_before: datetime | None = None,
) -> QuerySet:
    """Alerts newest first (by last seen), filtered; needs the permission to see incidents (an
    alert says what is broken) or integrations. Each filter narrows; a list means "any of"."""
    if not (user_can_view_incidents(user) or user_can_view_integrations(user)):
        raise PermissionDeniedError("You do not have permission to see alerts.")
    alerts = Alert.objects.select_related("integration__service", "severity", "incident")
    if status:
        alerts = alerts.filter(status__in=status)
    if integration:
        alerts = alerts.filter(integration_id__in=integration)
    if service:
        alerts = alerts.filter(integration__service__slug__in=service)
    if severity:
        alerts = alerts.filter(severity__name__in=severity)
    if incident is not None:
        alerts = alerts.filter(incident__number=incident)
    if seen_after is not None:
        alerts = alerts.filter(last_seen_at__gte=seen_after)
    if seen_before is not None:
        alerts = alerts.filter(last_seen_at__lt=seen_before)
    return alerts.order_by("-last_seen_at", "-id")


def incident_alerts(incident) -> QuerySet:
    """Every alert of an incident, firing first, newest first (the incident page shows 100)."""
    return (
        Alert.objects.filter(incident=incident)
        .select_related("integration__service", "severity", "incident")
        .order_by("status", "-last_seen_at", "-id")
    )
