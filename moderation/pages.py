"""What moderation shows on other apps' screens (registered in moderation.apps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from django.db.models import Count
from django.utils import timezone

from core.links import url
from core.template_helpers import duration
from moderation.models import Category, Item
from moderation.selectors import user_can_view


def incident_items_visible(page: Any) -> bool:
    return Item.objects.filter(incident=page.incident).exists()


def incident_items_data(page: Any) -> dict[str, Any]:
    """Counts by category for everyone who sees the incident; the items themselves (content
    people reported) only for those who may see moderation."""
    counts = (
        Item.objects.filter(incident=page.incident)
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    by_category = [(Category(category).label, n) for category, n in counts]
    items = (
        list(Item.objects.filter(incident=page.incident).order_by("-report_count", "pk")[:20])
        if user_can_view(page.request.user)
        else []
    )
    return {"total": sum(n for _, n in by_category), "by_category": by_category, "linked": items}


class QueueRow(NamedTuple):
    """What one row of the queue page shows, computed here: the page is in the speed budget
    (100,000 open items), and per-row helpers in the template (translations, reverse(), time
    zones) cost more than the query."""

    pk: int
    item_url: str
    title: str
    is_appeal: bool
    excerpt: str
    category: str
    category_label: str
    report_count: int
    user_url: str
    user_name: str
    age: str
    breached: bool
    due: str
    claimed_by: str


def queue_rows(items: list[Item], now: datetime) -> list[QueueRow]:
    labels = {value: str(label) for value, label in Category.choices}
    item_head, item_tail = url("moderation:item", 1_234_567_890).split("1234567890", 1)
    user_head, user_tail = url("moderation:user", "x-user-x").split("x-user-x", 1)
    zone = timezone.get_current_timezone()
    rows = []
    for item in items:
        claimed = item.claimed_by if item.claimed_until and item.claimed_until > now else None
        rows.append(
            QueueRow(
                pk=item.pk,
                item_url=f"{item_head}{item.pk}{item_tail}",
                title=f"{item.content_type} {item.content_id}",
                is_appeal=item.kind == "appeal",
                excerpt=item.excerpt[:89] + "…" if len(item.excerpt) > 90 else item.excerpt,
                category=item.category,
                category_label=labels[item.category],
                report_count=item.report_count,
                user_url=f"{user_head}{quote(item.user.external_id, safe='')}{user_tail}",
                user_name=item.user.display_name or item.user.external_id,
                age=duration(now - item.created_at),
                breached=item.due_at < now,
                due=item.due_at.astimezone(zone).strftime("%a %H:%M"),
                claimed_by=claimed.get_username() if claimed else "",
            )
        )
    return rows
