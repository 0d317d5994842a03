"""What moderation shows on other apps' screens (registered in moderation.apps)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

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
