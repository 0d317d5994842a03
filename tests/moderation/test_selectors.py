"""The queue's order (category weight, then report count, then age) and response-target
breaches, as the queue page and the overview read them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core import clock
from moderation import selectors
from moderation.models import Item, Queue
from tests.moderation.conftest import ingest, report


def test_items_are_ordered_by_category_weight_then_report_count_then_age(defaults):
    start = timezone.now()
    made = []
    for minutes, category, reports in [
        (0, "spam", 5),  # many reports, but spam
        (1, "harassment", 1),
        (2, "harassment", 3),  # more reports than the older harassment item
        (3, "violence", 1),
        (4, "child_safety", 1),  # newest, yet first
        (5, "harassment", 1),  # same weight and count as minute 1: the older one first
    ]:
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            result = ingest(
                *[report(content_id=f"c{minutes}", category=category) for _ in range(reports)]
            )
        made.append(result.accepted[0][1])
    ordered = list(
        selectors.items_matching(list(Queue.objects.all()), selectors.ItemFilters()).values_list(
            "pk", flat=True
        )
    )
    assert ordered == [made[4], made[3], made[2], made[1], made[5], made[0]]


def test_an_item_past_its_category_response_target_is_counted_as_breached(moderator):
    start = timezone.now()
    with clock.frozen_at(start):
        ingest(report(category="child_safety"))  # 15 minutes
        ingest(report(category="spam"))  # 24 hours
    with clock.frozen_at(start + timedelta(minutes=16)):
        overview = {row.queue.slug: row for row in selectors.queue_overview(moderator)}
        breached = selectors.items_matching(
            list(Queue.objects.all()), selectors.ItemFilters(breached=True)
        )
        assert [item.category for item in breached] == ["child_safety"]
    assert overview["urgent"].breached == 1
    assert overview["general"].breached == 0
    assert overview["general"].open_count == 1
    assert Item.objects.get(category="child_safety").due_at == start + timedelta(minutes=15)
