"""Reads of the public status page. Only public fields leave this module: component names and
states, publications' public titles and public updates, maintenance. Never an incident's own
title, summary, notes or stakeholder updates (tests/statuspage/test_public.py checks)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, IncidentStatus
from statuspage.models import (
    STATE_SEVERITY,
    Component,
    ComponentGroup,
    ComponentState,
    Maintenance,
    Publication,
    PublicStatus,
    PublicUpdate,
)

UPTIME_DAYS = 90
RECENT_DAYS = 14


@dataclass(frozen=True)
class Day:
    day: date
    uptime: float  # 0..100
    state: str  # the worst state of the day
    outage_minutes: int
    x: int  # the bar's position in the SVG (4 units a day)
    label: str  # its tooltip: "2026-11-29: 75.0%, 360 min of outage"


def _label(day: date, uptime: float, outage_minutes: int) -> str:
    text = f"{day.isoformat()}: {uptime}%"
    return f"{text}, {outage_minutes} min of outage" if outage_minutes else text


@dataclass
class ComponentView:
    component: Component
    state: str
    days: list[Day] = field(default_factory=list)

    @property
    def uptime(self) -> float:
        return round(sum(day.uptime for day in self.days) / len(self.days), 2) if self.days else 100

    @property
    def bars(self) -> list[Bar]:
        """The days as SVG bars: a day with something to tell is its own bar; a run of clean days
        is one bar (drawn as separate days by a pattern), so a page of 50 components writes a few
        hundred elements instead of 4,500."""
        bars: list[Bar] = []
        run: list[Day] = []

        def close_run() -> None:
            if run:
                label = f"{run[0].day.isoformat()} to {run[-1].day.isoformat()}: 100%"
                bars.append(Bar(run[0].x, 4 * len(run) - 1, "run-operational", len(run), label))
                run.clear()

        for day in self.days:
            if day.state == ComponentState.OPERATIONAL and day.uptime == 100.0:
                run.append(day)
                continue
            close_run()
            bars.append(Bar(day.x, 3, f"day-{day.state}", 1, day.label))
        close_run()
        return bars


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    css: str
    days: int
    label: str


@dataclass
class GroupView:
    name: str
    components: list[ComponentView]


@dataclass
class StatusSummary:
    now: datetime
    state: str  # the worst component state
    groups: list[GroupView]
    active: list[Publication]  # unresolved publications, newest first, with updates
    recent: list[Publication]  # resolved in the last RECENT_DAYS days
    maintenance_now: list[Maintenance]
    maintenance_upcoming: list[Maintenance]

    @property
    def components(self) -> list[ComponentView]:
        return [view for group in self.groups for view in group.components]


def _incident_state(component: Component, rank: int) -> str:
    if rank <= component.major_outage_rank:
        return ComponentState.MAJOR_OUTAGE
    if rank <= component.partial_outage_rank:
        return ComponentState.PARTIAL_OUTAGE
    return ComponentState.DEGRADED


def _worst(states: list[str]) -> str:
    return max(states, key=STATE_SEVERITY.__getitem__, default=ComponentState.OPERATIONAL)


@dataclass(frozen=True)
class _Span:
    service_id: int
    start: datetime
    end: datetime
    rank: int


def _incident_spans(service_ids: set[int], since: datetime, now: datetime) -> list[_Span]:
    """Every incident on these services that overlaps [since, now], as (service, start, end)."""
    through = Incident.services.through
    rows = through.objects.filter(service_id__in=service_ids).filter(
        Q(incident__status__in=OPEN_STATUSES)
        | Q(incident__resolved_at__gte=since)
        | Q(incident__resolved_at__isnull=True, incident__closed_at__gte=since)
    )
    spans = []
    for service_id, status, start, resolved, closed, rank in rows.values_list(
        "service_id",
        "incident__status",
        "incident__triggered_at",
        "incident__resolved_at",
        "incident__closed_at",
        "incident__severity__rank",
    ):
        end = now if status in OPEN_STATUSES else (resolved or closed or now)
        spans.append(_Span(service_id, max(start, since), min(end, now), rank))
    return spans


@dataclass(frozen=True)
class _Calendar:
    """The 90 days of the bars, computed once per summary: (date, start, end) in the zone."""

    days: list[tuple[date, datetime, datetime]]
    clean: list[Day]  # the bar of a day without any incident or maintenance

    @classmethod
    def ending(cls, now: datetime) -> _Calendar:
        zone = timezone.get_current_timezone()
        first = (now.astimezone(zone) - timedelta(days=UPTIME_DAYS - 1)).date()
        days, clean = [], []
        for offset in range(UPTIME_DAYS):
            day = first + timedelta(days=offset)
            start = datetime.combine(day, time.min, tzinfo=zone)
            days.append((day, start, min(start + timedelta(days=1), now)))
            clean.append(
                Day(day, 100.0, ComponentState.OPERATIONAL, 0, offset * 4, _label(day, 100.0, 0))
            )
        return cls(days, clean)

    @property
    def first_day(self) -> date:
        return self.days[0][0]


def _days(
    component: Component,
    spans: list[_Span],
    maintenances: list[Maintenance],
    calendar: _Calendar,
    now: datetime,
) -> list[Day]:
    """90 days of (uptime %, worst state): outage time is major or partial outage."""
    if not spans and not maintenances:
        return calendar.clean
    zone = timezone.get_current_timezone()
    first_day = calendar.first_day
    by_day: dict[date, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for span in spans:
        state = _incident_state(component, span.rank)
        day = max(span.start.astimezone(zone).date(), first_day)
        while day <= span.end.astimezone(zone).date():
            by_day[day].append((span.start, span.end, state))
            day += timedelta(days=1)
    for maintenance in maintenances:
        day = max(maintenance.starts_at.astimezone(zone).date(), first_day)
        end = min(maintenance.ends_at, now)
        while day <= end.astimezone(zone).date():
            by_day[day].append((maintenance.starts_at, end, ComponentState.MAINTENANCE))
            day += timedelta(days=1)
    result = list(calendar.clean)
    for offset, (day, day_start, day_end) in enumerate(calendar.days):
        entries = by_day.get(day)
        if not entries:
            continue
        outages = sorted(
            (max(start, day_start), min(end, day_end))
            for start, end, state in entries
            if state in (ComponentState.MAJOR_OUTAGE, ComponentState.PARTIAL_OUTAGE)
        )
        down = _merged_seconds(outages)
        length = max((day_end - day_start).total_seconds(), 1)
        uptime = round(100 * (1 - down / length), 2) if day_end > day_start else 100.0
        minutes = int(down // 60)
        state = _worst([state for _s, _e, state in entries])
        result[offset] = Day(day, uptime, state, minutes, offset * 4, _label(day, uptime, minutes))
    return result


def _merged_seconds(intervals: list[tuple[datetime, datetime]]) -> float:
    total, current_start, current_end = 0.0, None, None
    for start, end in intervals:
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def status_summary(*, now: datetime) -> StatusSummary:
    """Everything the public page, feed and JSON show, in a fixed number of queries."""
    components = list(
        Component.objects.select_related("group")
        .prefetch_related("services")
        .order_by("group__order", "group__name", "order", "name")
    )
    calendar = _Calendar.ending(now)
    since = calendar.days[0][1]
    service_ids = {service.pk for component in components for service in component.services.all()}
    spans_by_service: dict[int, list[_Span]] = defaultdict(list)
    for span in _incident_spans(service_ids, since, now):
        spans_by_service[span.service_id].append(span)
    maintenances = list(
        Maintenance.objects.filter(ends_at__gte=since).prefetch_related("components")
    )
    maintenance_by_component: dict[int, list[Maintenance]] = defaultdict(list)
    for maintenance in maintenances:
        for component in maintenance.components.all():
            maintenance_by_component[component.pk].append(maintenance)
    groups: dict[str, GroupView] = {}
    for component in components:
        spans = [s for svc in component.services.all() for s in spans_by_service[svc.pk]]
        mine = maintenance_by_component[component.pk]
        state = component.manual_state or _derived_state(component, spans, mine, now)
        view = ComponentView(component, state, _days(component, spans, mine, calendar, now))
        name = component.group.name if component.group else ""
        groups.setdefault(name, GroupView(name, [])).components.append(view)
    updates = Prefetch("updates", queryset=PublicUpdate.objects.order_by("-created_at", "-id"))
    publications = list(
        Publication.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=now - timedelta(days=RECENT_DAYS))
        )
        .prefetch_related(updates, "components")
        .order_by("-published_at", "-id")
    )
    all_views = [view for group in groups.values() for view in group.components]
    return StatusSummary(
        now=now,
        state=_worst([view.state for view in all_views]),
        groups=list(groups.values()),
        active=[p for p in publications if p.resolved_at is None],
        recent=[p for p in publications if p.resolved_at is not None],
        maintenance_now=[m for m in maintenances if m.starts_at <= now < m.ends_at],
        maintenance_upcoming=sorted(
            (m for m in maintenances if m.starts_at > now), key=lambda m: m.starts_at
        ),
    )


def _derived_state(
    component: Component, spans: list[_Span], maintenances: list[Maintenance], now: datetime
) -> str:
    states = [_incident_state(component, s.rank) for s in spans if s.end >= now]
    if any(m.starts_at <= now < m.ends_at for m in maintenances):
        states.append(ComponentState.MAINTENANCE)
    return _worst(states)


def feed_updates(*, limit: int = 50) -> list[PublicUpdate]:
    """The latest public updates, for the Atom and RSS feeds."""
    return list(
        PublicUpdate.objects.select_related("publication").order_by("-created_at", "-id")[:limit]
    )


def publication_for_incident(incident: Incident) -> Publication | None:
    return (
        Publication.objects.filter(incident=incident)
        .prefetch_related("components", "updates")
        .first()
    )


def component_list() -> list[Component]:
    return list(Component.objects.select_related("group").prefetch_related("services"))


def component_groups() -> list[ComponentGroup]:
    return list(ComponentGroup.objects.all())


# The public status a new update suggests, from where the response stands.
_STATUS_FOR_INCIDENT = {
    IncidentStatus.MITIGATED: PublicStatus.MONITORING,
    IncidentStatus.RESOLVED: PublicStatus.RESOLVED,
    IncidentStatus.CLOSED: PublicStatus.RESOLVED,
}
_NEXT_STATUS = {
    PublicStatus.INVESTIGATING: PublicStatus.IDENTIFIED,
    PublicStatus.IDENTIFIED: PublicStatus.MONITORING,
    PublicStatus.MONITORING: PublicStatus.RESOLVED,
    PublicStatus.RESOLVED: PublicStatus.RESOLVED,
}
_ORDER = list(_NEXT_STATUS)


def suggested_public_status(incident: Incident, publication: Publication | None) -> PublicStatus:
    """What the next public update most likely says: one step past the last one, or further
    when the incident itself is further (a resolved incident suggests "resolved", never
    "investigating")."""
    step = (
        PublicStatus.INVESTIGATING
        if publication is None
        else _NEXT_STATUS[PublicStatus(publication.status)]
    )
    reached = _STATUS_FOR_INCIDENT.get(incident.status, PublicStatus.INVESTIGATING)
    return max(step, reached, key=_ORDER.index)


def components_linked_to(incident_services: list) -> QuerySet[Component]:
    """Components of the status page linked to any of these services."""
    service_ids = {service.pk for service in incident_services}
    return Component.objects.filter(services__in=service_ids).distinct()
