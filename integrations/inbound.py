"""Helpers every inbound alert parser shares: typed field access that names what is wrong."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.dateparse import parse_datetime

from alerts.types import PayloadError

GO_ZERO_TIME_YEAR = 1  # Alertmanager's "0001-01-01T00:00:00Z" means "no end"


def require_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(field, f"must be a JSON object, not {type_name(value)}")
    return value


def optional_string(data: dict, key: str, field: str, *, max_length: int = 10_000) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(field, f"must be a string, not {type_name(value)}")
    text = str(value)
    if len(text) > max_length:
        raise PayloadError(field, f"is longer than {max_length} characters")
    return text


def required_string(data: dict, key: str, field: str, *, max_length: int = 10_000) -> str:
    text = optional_string(data, key, field, max_length=max_length).strip()
    if not text:
        raise PayloadError(field, "is required and must not be blank")
    return text


def string_map(value: Any, field: str) -> dict[str, str]:
    """Labels and annotations: an object of strings (numbers and booleans are written out)."""
    if value is None:
        return {}
    mapping = require_object(value, field)
    result = {}
    for key, item in mapping.items():
        if isinstance(item, dict | list):
            raise PayloadError(f"{field}.{key}", "must be a string, not an object or array")
        result[str(key)] = "" if item is None else str(item)
    return result


def timestamp(value: Any, field: str) -> str | None:
    """An ISO 8601 time as text, or None for absent/zero times."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(field, f"must be an ISO 8601 time string, not {type_name(value)}")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise PayloadError(field, f"{value[:40]!r} is not an ISO 8601 time")
    if parsed.year <= GO_ZERO_TIME_YEAR:
        return None
    if parsed.tzinfo is None:
        raise PayloadError(field, f"{value[:40]!r} has no time zone")
    return parsed.isoformat()


def link(href: Any, text: str, field: str) -> dict[str, str] | None:
    if href in (None, ""):
        return None
    if not isinstance(href, str):
        raise PayloadError(field, f"must be a URL string, not {type_name(href)}")
    return {"href": href[:2000], "text": text}


def stable_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), "a value")
