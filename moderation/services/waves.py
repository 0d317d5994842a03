"""Waves: more than N reports within M minutes about one user, one piece of content or one
category (N and M per category, `CategoryRule`) open one incident on the Trust & Safety service
through incidents' own services; later reports of the wave link their items to it.

Exactly one incident per wave, even when batches arrive at once: on PostgreSQL the detection
takes a transaction-scoped advisory lock, so the second batch counts after the first committed
(and sees its reports and its wave), and a partial unique constraint allows one active wave per
key as a second guard.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from incidents.models import OPEN_STATUSES, Incident, Severity, Source
from incidents.selectors import severity_default
from incidents.services import incident_create, timeline_event_record
from moderation.models import Category, CategoryRule, Item, Report, Wave, WaveScope
from moderation.services.common import trust_and_safety_service

if TYPE_CHECKING:
    from moderation.services.intake import ReportInput

WAVE_LOCK = zlib.crc32(b"firebell.moderation.waves")
URGENT_CATEGORIES = {Category.CHILD_SAFETY, Category.VIOLENCE, Category.SELF_HARM}


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WAVE_LOCK])


def waves_detect(
    *, reports: list[ReportInput], now: datetime, rules: dict[str, CategoryRule]
) -> list[Wave]:
    """Open or extend the waves these (just stored) reports belong to. Call inside intake's
    transaction. Returns the waves touched."""
    if not reports:
        return []
    _lock()
    by_category: dict[str, list[ReportInput]] = defaultdict(list)
    for report in reports:
        by_category[report.category].append(report)
    touched = []
    for category, batch in by_category.items():
        rule = rules[category]
        since = now - timedelta(minutes=rule.wave_window_minutes)
        recent = Report.objects.filter(category=category, created_at__gte=since)
        candidates: list[tuple[str, str, str, dict]] = []
        contents = (
            recent.filter(content_key__in={r.content_key for r in batch})
            .values_list("content_key")
            .annotate(n=Count("pk"))
            .order_by()
        )
        candidates += [
            (WaveScope.CONTENT, f"content:{key}:{category}", f"content {key}", {"content_key": key})
            for key, n in contents
            if n > rule.wave_threshold
        ]
        users = (
            recent.filter(user__external_id__in={r.user_id for r in batch})
            .values_list("user__external_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        candidates += [
            (WaveScope.USER, f"user:{uid}:{category}", f"user {uid}", {"user__external_id": uid})
            for uid, n in users
            if n > rule.wave_threshold
        ]
        if recent.count() > rule.wave_threshold:
            candidates.append((WaveScope.CATEGORY, f"category:{category}", "the category", {}))
        for scope, key, about, where in candidates:
            touched.append(
                _wave_open_or_extend(
                    scope=scope,
                    key=key,
                    about=about,
                    category=category,
                    reports=recent.filter(**where),
                    now=now,
                    rule=rule,
                )
            )
    return touched


def _wave_open_or_extend(*, scope, key, about, category, reports, now, rule: CategoryRule) -> Wave:
    wave = Wave.objects.select_related("incident").filter(key=key, active=True).first()
    if wave is not None and (wave.incident is None or not wave.incident.is_open):
        # The incident of the last wave is over: this burst is a new wave.
        Wave.objects.filter(pk=wave.pk).update(active=False)
        wave = None
    if wave is None:
        try:
            with transaction.atomic():
                wave = Wave.objects.create(
                    key=key, scope=scope, category=category, opened_at=now, last_report_at=now
                )
        except IntegrityError:  # another process holds this wave; use it
            wave = Wave.objects.select_related("incident").get(key=key, active=True)
        if wave.incident_id is None:
            # A burst seen by a narrower wave first (content, then user) already has its
            # incident: the wider wave joins it instead of opening a second one.
            wave.incident = _incident_of(reports) or _incident_open(
                scope, about, category, reports.count(), rule
            )
            wave.save(update_fields=["incident"])
    Wave.objects.filter(pk=wave.pk).update(last_report_at=now)
    _items_attach(wave, reports.values("item_id"), now)
    return wave


def _incident_of(reports) -> Incident | None:
    linked = Item.objects.filter(
        pk__in=reports.values("item_id"), incident__status__in=OPEN_STATUSES
    ).select_related("incident")
    item = linked.order_by("incident_id").first()
    return item.incident if item else None


def _incident_open(scope, about, category, count, rule) -> Incident:
    label = Category(category).label
    severity = (
        Severity.objects.filter(rank=2).first() if category in URGENT_CATEGORIES else None
    ) or severity_default()
    service = trust_and_safety_service()
    return incident_create(
        title=f"Moderation wave: {count} {label.lower()} reports about {about} "
        f"in {rule.wave_window_minutes} min",
        severity=severity,
        actor=None,
        source=Source.SYSTEM,
        summary=f"More than {rule.wave_threshold} {label.lower()} reports within "
        f"{rule.wave_window_minutes} minutes about {about} ({scope}).",
        services=[service],
        origin={"moderation_wave": about, "category": category},
    )


def _items_attach(wave: Wave, item_ids, now) -> None:
    linked = Item.objects.filter(pk__in=item_ids, incident__isnull=True).update(
        incident=wave.incident
    )
    if linked:
        timeline_event_record(
            incident=wave.incident,
            kind="moderation.items_linked",
            actor=None,
            source=Source.SYSTEM,
            message=f"{linked} moderation item{'s' if linked != 1 else ''} linked to this wave",
            data={"wave": wave.key, "items": linked},
        )
