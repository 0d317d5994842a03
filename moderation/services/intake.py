"""Report intake: reports about the same content fold into its one open item; a report id seen
before, or the same reporter reporting the same item again, changes nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery

from core import clock
from core.errors import ConflictError, NotFoundError, ValidationError
from moderation.models import (
    Category,
    Decision,
    Item,
    ItemEvent,
    ItemKind,
    ItemStatus,
    PlatformUser,
    Report,
)
from moderation.services.common import (
    REPORT_PERMISSION,
    actor_name,
    category_rules,
    item_event_record,
    queue_route,
    queues_for_routing,
    require,
)
from moderation.services.waves import waves_detect

MAX_BATCH = 500


@dataclass(frozen=True)
class ReportInput:
    """One report as the platform sends it (validated by the interface)."""

    report_id: str
    content_type: str
    content_id: str
    user_id: str
    reporter_id: str
    category: str
    url: str = ""
    excerpt: str = ""
    media_urls: tuple[str, ...] = ()
    user_display_name: str = ""
    text: str = ""

    @property
    def content_key(self) -> str:
        return f"{self.content_type}:{self.content_id}"


@dataclass
class IntakeResult:
    accepted: list[tuple[str, int]] = field(default_factory=list)  # (report id, item id)
    duplicates: list[tuple[str, int | None]] = field(default_factory=list)


def _users_ensure(reports: list[ReportInput], now) -> dict[str, PlatformUser]:
    names = {report.user_id: report.user_display_name for report in reports}
    PlatformUser.objects.bulk_create(
        [
            PlatformUser(external_id=uid, display_name=name, first_seen_at=now)
            for uid, name in names.items()
        ],
        ignore_conflicts=True,
    )
    users = {user.external_id: user for user in PlatformUser.objects.filter(external_id__in=names)}
    renamed = [u for uid, u in users.items() if names[uid] and u.display_name != names[uid]]
    for user in renamed:
        user.display_name = names[user.external_id]
    if renamed:
        PlatformUser.objects.bulk_update(renamed, ["display_name"])
    return users


def _open_items(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Item]:
    """The open report items of these contents, locked (ordered by id: no deadlock between two
    batches touching the same items)."""
    rows = (
        Item.objects.select_for_update()
        .filter(
            kind=ItemKind.REPORT,
            status=ItemStatus.OPEN,
            content_type__in={content_type for content_type, _ in keys},
            content_id__in={content_id for _, content_id in keys},
        )
        .order_by("pk")
    )
    return {
        (i.content_type, i.content_id): i for i in rows if (i.content_type, i.content_id) in keys
    }


def reports_ingest(*, reports: list[ReportInput], actor: AbstractBaseUser | None) -> IntakeResult:
    """Store a batch of reports (at most 500) in one transaction, folding them into items.

    Idempotent: a report id seen before, or a second report by the same reporter about the same
    open item, is answered as a duplicate and changes nothing. Items are re-routed and re-ranked
    by their new report count and most severe category. Waves are detected in the same
    transaction (moderation.services.waves). Needs `moderation.add_report`.
    """
    require(actor, REPORT_PERMISSION, "submit moderation reports")
    if len(reports) > MAX_BATCH:
        raise ValidationError(
            f"At most {MAX_BATCH} reports per request.",
            errors={"reports": [f"At most {MAX_BATCH} reports."]},
        )
    result = IntakeResult()
    if not reports:
        return result
    with transaction.atomic():
        now = clock.now()
        rules = category_rules()
        queues = queues_for_routing()
        users = _users_ensure(reports, now)
        known = set(
            Report.objects.filter(report_id__in=[r.report_id for r in reports]).values_list(
                "report_id", flat=True
            )
        )
        fresh: dict[str, ReportInput] = {}
        for report in reports:
            if report.report_id not in known and report.report_id not in fresh:
                fresh[report.report_id] = report
        keys = {(r.content_type, r.content_id) for r in fresh.values()}
        items = _open_items(keys)
        # A new item starts with the most severe category of its reports in this batch and
        # is routed by their number, so most batches need no re-ranking afterwards.
        batch: dict[tuple[str, str], list[ReportInput]] = defaultdict(list)
        for report in fresh.values():
            batch[(report.content_type, report.content_id)].append(report)
        missing = {}
        for key, group in batch.items():
            if key in items:
                continue
            first = group[0]
            category = max((r.category for r in group), key=lambda c: rules[c].weight)
            rule = rules[category]
            missing[key] = Item(
                content_type=first.content_type,
                content_id=first.content_id,
                url=first.url,
                excerpt=first.excerpt,
                media_urls=list(first.media_urls),
                user=users[first.user_id],
                category=category,
                weight=rule.weight,
                report_count=0,
                queue=queue_route(
                    queues,
                    category=category,
                    content_type=first.content_type,
                    report_count=len(group),
                ),
                created_at=now,
                last_reported_at=now,
                due_at=now + timedelta(minutes=rule.response_target_minutes),
            )
        if missing:
            # A concurrent batch may have opened the same item: ON CONFLICT DO NOTHING, re-read.
            Item.objects.bulk_create(missing.values(), ignore_conflicts=True)
            items = _open_items(keys)
        Report.objects.bulk_create(
            [
                Report(
                    item=items[(r.content_type, r.content_id)],
                    report_id=r.report_id,
                    reporter_id=r.reporter_id,
                    category=r.category,
                    text=r.text,
                    created_at=now,
                    user_id=items[(r.content_type, r.content_id)].user_id,
                    content_key=r.content_key,
                )
                for r in fresh.values()
            ],
            ignore_conflicts=True,
        )
        stored = dict(
            Report.objects.filter(report_id__in=[r.report_id for r in reports]).values_list(
                "report_id", "item_id"
            )
        )
        for report in reports:
            if report.report_id in fresh and report.report_id not in known:
                fresh_item = items[(report.content_type, report.content_id)]
                if stored.get(report.report_id) == fresh_item.pk:
                    result.accepted.append((report.report_id, fresh_item.pk))
                    known.add(report.report_id)
                    continue
            result.duplicates.append((report.report_id, stored.get(report.report_id)))
        touched = {item_id for _, item_id in result.accepted}
        _items_rerank([i for i in items.values() if i.pk in touched], rules, queues, now)
        _intake_history(result, items, now)
        waves_detect(reports=[fresh[rid] for rid, _ in result.accepted], now=now, rules=rules)
    return result


def _items_rerank(items: list[Item], rules, queues, now) -> None:
    """Recount each touched item's reports, take its most severe category, route it again.

    One UPDATE for every item's count; the (few) items whose category, target or queue change
    are updated one by one: Django's bulk_update writes a CASE per row and field, which cost
    more than the rest of a 500-report batch."""
    if not items:
        return
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Report.objects.filter(item__in=items)
        .values_list("item_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item_id, category, n in rows:
        counts[item_id][category] = n
    Item.objects.filter(pk__in=[item.pk for item in items]).update(
        report_count=Subquery(
            Report.objects.filter(item=OuterRef("pk"))
            .values("item")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        last_reported_at=now,
    )
    for item in items:
        by_category = counts[item.pk]
        item.report_count = sum(by_category.values())
        changes = {}
        worst = max(by_category, key=lambda c: rules[c].weight)
        if rules[worst].weight > item.weight:
            target = item.created_at + timedelta(minutes=rules[worst].response_target_minutes)
            changes.update(
                category=worst, weight=rules[worst].weight, due_at=min(item.due_at, target)
            )
        queue = queue_route(
            queues,
            category=changes.get("category", item.category),
            content_type=item.content_type,
            report_count=item.report_count,
        )
        if queue.pk != item.queue_id:
            changes["queue"] = queue
        if changes:
            Item.objects.filter(pk=item.pk).update(**changes)
            for name, value in changes.items():
                setattr(item, name, value)


def _intake_history(result: IntakeResult, items: dict, now) -> None:
    per_item: dict[int, int] = defaultdict(int)
    for _, item_id in result.accepted:
        per_item[item_id] += 1
    ItemEvent.objects.bulk_create(
        [
            ItemEvent(
                item_id=item_id,
                kind="item.reported",
                actor_name="platform",
                message=f"{n} report{'s' if n != 1 else ''} received",
                created_at=now,
            )
            for item_id, n in per_item.items()
        ]
    )


def appeal_create(
    *, decision: Decision, appeal_id: str, text: str, actor: AbstractBaseUser | None
) -> tuple[Item, bool]:
    """Open an appeal item against `decision` (routed like a report of its category).

    Idempotent: while an appeal of this decision is open, the same item is returned with
    `False`. Only a decision that acted against the user (remove, warn, suspend) can be appealed,
    once, and not one already reversed. Needs `moderation.add_report`.
    """
    require(actor, REPORT_PERMISSION, "submit appeals")
    if decision.action not in ("remove", "warn", "suspend"):
        raise ConflictError("Only a removal, warning or suspension can be appealed.")
    if decision.reversed_at is not None:
        raise ConflictError("This decision was already reversed.")
    with transaction.atomic():
        now = clock.now()
        open_appeal = Item.objects.filter(appeal_of=decision, status=ItemStatus.OPEN).first()
        if open_appeal is not None:
            return open_appeal, False
        if Item.objects.filter(appeal_of=decision).exists():
            raise ConflictError("This decision was appealed already; its appeal is decided.")
        original = decision.item
        rules = category_rules()
        rule = rules[original.category]
        queues = queues_for_routing()
        appeal = Item.objects.create(
            kind=ItemKind.APPEAL,
            content_type=original.content_type,
            content_id=original.content_id,
            url=original.url,
            excerpt=original.excerpt,
            media_urls=original.media_urls,
            user=original.user,
            category=original.category,
            weight=rule.weight,
            report_count=1,
            queue=queue_route(
                queues,
                category=original.category,
                content_type=original.content_type,
                report_count=1,
            ),
            created_at=now,
            last_reported_at=now,
            due_at=now + timedelta(minutes=rule.response_target_minutes),
            appeal_of=decision,
            appeal_text=text,
        )
        item_event_record(
            appeal,
            "appeal.received",
            actor_label=actor_name(actor, "platform"),
            message=f"Appeal {appeal_id} of decision #{decision.pk}",
            now=now,
        )
        item_event_record(
            original,
            "item.appealed",
            actor_label=actor_name(actor, "platform"),
            message=f"Appealed (appeal item #{appeal.pk})",
            now=now,
        )
    return appeal, True


def decision_for_appeal(decision_id: int) -> Decision:
    decision = Decision.objects.select_related("item").filter(pk=decision_id).first()
    if decision is None:
        raise NotFoundError(
            f"There is no decision #{decision_id}.", errors={"decision_id": ["Unknown decision."]}
        )
    return decision


VALID_CATEGORIES = set(Category.values)
