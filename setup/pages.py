"""What the set-up screens add to others: the first-run checklist on the board."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from setup import selectors


def checklist_context(request: HttpRequest) -> dict[str, Any] | None:
    """The checklist for admins while anything is left to do; None (nothing shown) after."""
    if not selectors.user_can_manage_people(request.user):
        return None
    items = selectors.first_run_checklist()
    if all(item.done for item in items):
        return None
    return {"items": items, "left": sum(1 for item in items if not item.done)}
