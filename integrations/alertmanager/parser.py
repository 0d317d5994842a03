"""Prometheus Alertmanager webhook, payload version 4, to alert signals."""

from __future__ import annotations

from typing import Any

from alerts.types import AlertSignal, PayloadError
from integrations.inbound import (
    link,
    optional_string,
    require_object,
    stable_hash,
    string_map,
    timestamp,
)

STATUSES = {"firing", "resolved"}
MAX_ALERTS = 5_000


def alert_list(payload: dict[str, Any]) -> list[Any]:
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts", "is required and must be an array")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError("alerts", f"has more than {MAX_ALERTS} alerts")
    return alerts


def group_name(group_labels: dict[str, str], common_labels: dict[str, str]) -> str:
    """What the group is: its `alertname`, then its other group-by labels as `key=value`
    (`HighErrorRate (service=api)`); without group labels, the common `alertname`."""
    labels = group_labels or {
        key: value for key, value in common_labels.items() if key == "alertname"
    }
    name = labels.get("alertname", "")
    others = ", ".join(
        f"{key}={value}" for key, value in sorted(labels.items()) if key != "alertname"
    )
    if name and others:
        return f"{name} ({others})"
    return name or others


def group_title(
    group_labels: dict[str, str],
    common_labels: dict[str, str],
    common_annotations: dict[str, str],
    *,
    truncated: int = 0,
    fallback: str = "Alert",
) -> str:
    """An incident's title for an Alertmanager group: the group's name, plus the summary when
    every alert of the group shares it (`HighErrorRate: Error rate above 5%`).

    `commonAnnotations` holds only what the listed alerts share, so a summary naming one host
    appears only when the group is that one alert; when Alertmanager left alerts out
    (`truncatedAlerts`) nothing is known to be shared and the name stands alone. The title
    therefore never depends on which instance happened to be first.
    """
    name = group_name(group_labels, common_labels)
    summary = "" if truncated else common_annotations.get("summary", "").strip()
    if name and summary and name not in summary:
        return f"{name}: {summary}"
    return summary or name or fallback


def parse_alert(
    alert: Any, index: int, *, group_key: str, common_title: str, receiver: str
) -> AlertSignal:
    field = f"alerts[{index}]"
    alert = require_object(alert, field)
    status = optional_string(alert, "status", f"{field}.status") or "firing"
    if status not in STATUSES:
        raise PayloadError(f"{field}.status", f"must be 'firing' or 'resolved', not {status!r}")
    labels = string_map(alert.get("labels"), f"{field}.labels")
    annotations = string_map(alert.get("annotations"), f"{field}.annotations")
    fingerprint = optional_string(alert, "fingerprint", f"{field}.fingerprint", max_length=255)
    if not fingerprint:
        if not labels:
            raise PayloadError(f"{field}", "needs a fingerprint or labels to identify it")
        fingerprint = stable_hash(sorted(labels.items()))
    name = labels.get("alertname", "")
    instance = labels.get("instance", "")
    title = annotations.get("summary") or " on ".join(part for part in (name, instance) if part)
    generator = link(alert.get("generatorURL"), "Source", f"{field}.generatorURL")
    if not group_key:
        group_key = "labels:" + stable_hash(name, labels.get("service", ""))
    return AlertSignal(
        fingerprint=fingerprint,
        group_key=group_key,
        status=status,
        title=title or "Alert",
        group_title=common_title or name or title,
        description=annotations.get("description", ""),
        severity=labels.get("severity"),
        source=instance or receiver,
        labels=labels,
        annotations=annotations,
        links=[generator] if generator else [],
        starts_at=timestamp(alert.get("startsAt"), f"{field}.startsAt"),
        ends_at=timestamp(alert.get("endsAt"), f"{field}.endsAt"),
        raw=alert,
    )


def parse_group(payload: Any, *, title: str = "") -> list[tuple[dict[str, Any], AlertSignal]]:
    """Each alert of an Alertmanager-shaped group with its signal (Grafana sends the same shape).

    `title`, when given, names the group instead of its common labels and annotations.
    """
    payload = require_object(payload, "body")
    alerts = alert_list(payload)
    group_key = optional_string(payload, "groupKey", "groupKey", max_length=512)
    common_labels = string_map(payload.get("commonLabels"), "commonLabels")
    common_annotations = string_map(payload.get("commonAnnotations"), "commonAnnotations")
    group_labels = string_map(payload.get("groupLabels"), "groupLabels")
    truncated = payload.get("truncatedAlerts")
    truncated = truncated if isinstance(truncated, int) and truncated > 0 else 0
    receiver = optional_string(payload, "receiver", "receiver", max_length=255)
    # No group labels or common annotations (a hand-written test alert, the integration page's
    # curl): nothing names the group, so each alert's own alertname does (parse_alert), rather
    # than the placeholder "Alert".
    common_title = title or group_title(
        group_labels, common_labels, common_annotations, truncated=truncated, fallback=""
    )
    return [
        (
            alert,
            parse_alert(
                alert, index, group_key=group_key, common_title=common_title, receiver=receiver
            ),
        )
        for index, alert in enumerate(alerts)
    ]


def parse(payload: Any) -> list[AlertSignal]:
    return [signal for _, signal in parse_group(payload)]
