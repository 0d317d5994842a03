"""The groups' share of post-mortem permissions: responders write post-mortems and action items,
viewers read, admins also configure (extra sections per severity). Registered in apps.py."""

from __future__ import annotations

from core.services import group_permissions_grant

RESPONDER_PERMISSIONS = [
    "add_postmortem",
    "change_postmortem",
    "add_actionitem",
    "change_actionitem",
    "add_sectioncomment",
    "add_timelineentry",
    "change_timelineentry",
]


def defaults_ensure_postmortems() -> None:
    group_permissions_grant("postmortems", responder=RESPONDER_PERMISSIONS)
