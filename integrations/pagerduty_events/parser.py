"""PagerDuty Events API v2 event to an alert signal, validated the way PagerDuty does.

https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ — `routing_key` is the
integration's intake key (checked by the view), `dedup_key` identifies the alert.
"""

from __future__ import annotations

import uuid
from typing import Any

from alerts.types import AlertSignal, PayloadError
from integrations.inbound import (
    link,
    optional_string,
    require_object,
    required_string,
    timestamp,
    type_name,
)

ACTIONS = {"trigger": "firing", "acknowledge": "acknowledged", "resolve": "resolved"}
SEVERITIES = {"critical", "error", "warning", "info"}


def routing_key(payload: Any) -> str:
    payload = require_object(payload, "body")
    return required_string(payload, "routing_key", "routing_key", max_length=255)


def _link_list(value: Any, field: str, text_key: str, href_key: str) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(field, f"must be an array, not {type_name(value)}")
    result = []
    for index, item in enumerate(value):
        item = require_object(item, f"{field}[{index}]")
        made = link(
            item.get(href_key),
            optional_string(item, text_key, f"{field}[{index}]"),
            f"{field}[{index}].{href_key}",
        )
        if made:
            result.append(made)
    return result


def parse(payload: Any) -> list[AlertSignal]:
    payload = require_object(payload, "body")
    # The routing key is the integration's secret: never keep it with the alert.
    raw = {key: value for key, value in payload.items() if key != "routing_key"}
    action = optional_string(payload, "event_action", "event_action")
    if action not in ACTIONS:
        raise PayloadError("event_action", "must be one of trigger, acknowledge, resolve")
    dedup_key = optional_string(payload, "dedup_key", "dedup_key", max_length=255)
    if action != "trigger":
        if not dedup_key:
            raise PayloadError("dedup_key", f"is required to {action}")
        return [
            AlertSignal(
                fingerprint=dedup_key,
                group_key=dedup_key,
                status=ACTIONS[action],
                title=f"{action} {dedup_key}",
                raw=raw,
            )
        ]
    body = require_object(payload.get("payload"), "payload")
    summary = required_string(body, "summary", "payload.summary", max_length=1024)
    source = required_string(body, "source", "payload.source", max_length=255)
    severity = required_string(body, "severity", "payload.severity")
    if severity not in SEVERITIES:
        raise PayloadError("payload.severity", "must be one of critical, error, warning, info")
    details = body.get("custom_details")
    labels = {
        key: optional_string(body, key, f"payload.{key}", max_length=255)
        for key in ("component", "group", "class")
        if body.get(key) is not None
    }
    description = ""
    if isinstance(details, dict):
        description = "\n".join(f"{k}: {v}" for k, v in list(details.items())[:30])
    elif details is not None:
        description = str(details)[:5000]
    links = _link_list(payload.get("links"), "links", "text", "href")
    links += _link_list(payload.get("images"), "images", "alt", "src")
    client_url = link(
        payload.get("client_url"),
        optional_string(payload, "client", "client") or "Client",
        "client_url",
    )
    if client_url:
        links.append(client_url)
    dedup_key = dedup_key or uuid.uuid4().hex
    return [
        AlertSignal(
            fingerprint=dedup_key,
            group_key=dedup_key,
            status="firing",
            title=summary,
            group_title=summary,
            description=description,
            severity=severity,
            source=source,
            labels=labels,
            links=links,
            starts_at=timestamp(body.get("timestamp"), "payload.timestamp"),
            raw=raw,
        )
    ]
