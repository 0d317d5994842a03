"""Firebell's documented plain JSON alert (docs/alerts.md) to an alert signal.

One object, or an array of up to 1,000 objects:
`title` (required), `status` (`firing`|`resolved`, default firing), `dedup_key`, `severity`,
`source`, `description`, `details` (object), `links` (URLs or {href, text}).
"""

from __future__ import annotations

from typing import Any

from alerts.types import AlertSignal, PayloadError
from integrations.inbound import (
    link,
    optional_string,
    require_object,
    required_string,
    stable_hash,
    type_name,
)

MAX_ITEMS = 1_000


def _links(value: Any, field: str) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(field, f"must be an array, not {type_name(value)}")
    links = []
    for index, item in enumerate(value):
        item_field = f"{field}[{index}]"
        if isinstance(item, dict):
            href = link(
                item.get("href"),
                optional_string(item, "text", f"{item_field}.text"),
                f"{item_field}.href",
            )
        else:
            href = link(item, "Link", item_field)
        if href:
            links.append(href)
    return links


def parse_item(item: Any, field: str) -> AlertSignal:
    item = require_object(item, field or "body")
    field = f"{field}." if field else ""
    title = required_string(item, "title", f"{field}title", max_length=500)
    status = optional_string(item, "status", f"{field}status") or "firing"
    if status not in {"firing", "resolved"}:
        raise PayloadError(f"{field}status", f"must be 'firing' or 'resolved', not {status!r}")
    source = optional_string(item, "source", f"{field}source", max_length=255)
    dedup_key = optional_string(item, "dedup_key", f"{field}dedup_key", max_length=255)
    details = item.get("details") or {}
    if not isinstance(details, dict):
        raise PayloadError(f"{field}details", f"must be an object, not {type_name(details)}")
    key = dedup_key or stable_hash(title, source)
    return AlertSignal(
        fingerprint=key,
        group_key=key,
        status=status,
        title=title,
        group_title=title,
        description=optional_string(item, "description", f"{field}description"),
        severity=optional_string(item, "severity", f"{field}severity", max_length=40) or None,
        source=source,
        labels={str(k): str(v) for k, v in details.items() if not isinstance(v, dict | list)},
        links=_links(item.get("links"), f"{field}links"),
        raw=item,
    )


def parse(payload: Any) -> list[AlertSignal]:
    if isinstance(payload, list):
        if len(payload) > MAX_ITEMS:
            raise PayloadError("body", f"has more than {MAX_ITEMS} alerts")
        if not payload:
            raise PayloadError("body", "is an empty array")
        return [parse_item(item, f"[{index}]") for index, item in enumerate(payload)]
    if not isinstance(payload, dict):
        raise PayloadError("body", f"must be a JSON object or array, not {type_name(payload)}")
    return [parse_item(payload, "")]
