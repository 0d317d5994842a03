"""What the inbox screens show, computed in plain Python (the templates only write markup)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from incidents.models import IncidentStatus
from integrations.inbox import selectors
from integrations.inbox.models import InboxMessage

RESPOND_PERMISSION = "incidents.respond_incident"


@dataclass(frozen=True)
class MessageRow:
    message: InboxMessage
    can_acknowledge: bool  # the incident is still triggered and this person may respond
    unread: bool


def rows(request: HttpRequest, messages: list[InboxMessage]) -> list[MessageRow]:
    may_respond = request.user.has_perm(RESPOND_PERMISSION)
    return [
        MessageRow(
            message,
            may_respond and message.incident.status == IncidentStatus.TRIGGERED,
            message.read_at is None,
        )
        for message in messages
    ]


def bell_context(request: HttpRequest) -> dict[str, Any] | None:
    """The bell: unread count, the newest unread pages (each with Acknowledge) and, for browser
    notifications, the newest unread message's id, title and link."""
    count, newest = selectors.inbox_unread(request.user)
    return {
        "count": count,
        "rows": rows(request, newest),
        "latest": newest[0] if newest else None,
        "open": False,
    }


def inbox_context(request: HttpRequest) -> dict[str, Any]:
    messages = selectors.inbox_messages(request.user)
    unread = sum(1 for message in messages if message.read_at is None)
    return {"rows": rows(request, messages), "unread": unread}
