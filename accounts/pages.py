"""What the security screens show, computed in plain Python (no markup)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry

from accounts.selectors import ACTION_NAMES

MAX_CHANGES_SHOWN = 6
MAX_VALUE_LENGTH = 80


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    kind: str
    name: str
    changes: list[str]
    address: str


def _short(value: Any) -> str:
    text = "—" if value in (None, "", "None") else str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else f"{text[: MAX_VALUE_LENGTH - 1]}…"


def _changes(entry: LogEntry) -> list[str]:
    if entry.action == LogEntry.Action.ACCESS:
        return []
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    lines = []
    for field, values in list(changes.items())[:MAX_CHANGES_SHOWN]:
        if isinstance(values, list | tuple) and len(values) == 2:
            lines.append(f"{field}: {_short(values[0])} → {_short(values[1])}")
        elif isinstance(values, dict):  # many-to-many: {"type": "add", "objects": [...]}
            objects = ", ".join(_short(item) for item in values.get("objects", []))
            lines.append(f"{field}: {values.get('operation', values.get('type', ''))} {objects}")
    if len(changes) > MAX_CHANGES_SHOWN:
        lines.append(f"… and {len(changes) - MAX_CHANGES_SHOWN} more")
    return lines


def audit_row(entry: LogEntry) -> AuditRow:
    action = ACTION_NAMES.get(entry.action, str(entry.action))
    if entry.action == LogEntry.Action.ACCESS:
        action = (entry.changes_text or "sign-in").replace("_", " ")
    return AuditRow(
        at=entry.timestamp,
        actor=entry.actor.get_username() if entry.actor else "",
        action=action,
        kind=str(entry.content_type.name).capitalize(),
        name=entry.object_repr,
        changes=_changes(entry),
        address=entry.remote_addr or "",
    )
