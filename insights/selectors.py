"""The figures of /insights/: each one database query that groups and aggregates, never a loop
over incidents in Python. Rows come back per week (or per person) as plain tuples; the presenter
(insights/pages.py) fills the weeks that had nothing and draws them.

Weeks start on Monday at 00:00 in the viewer's time zone (`InsightFilters.zone`), and an incident
belongs to the week it was declared in (`created_at`). Durations are the incident's own
(`Incident.time_to_acknowledge` / `time_to_resolve`: from `triggered_at` to the stamp).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    TruncDate,
    TruncWeek,
)

from core.errors import PermissionDeniedError
from incidents.models import Incident, Service, Severity, ack_target_breached_expression
from incidents.selectors import user_can_view_incidents
from insights.aggregates import PercentileCont
from oncall.models import Page, PageStatus
from postmortems import selectors as postmortem_selectors
from postmortems.models import (
    ActionItem,
    ActionItemStatus,
    Postmortem,
    PostmortemStatus,
    is_overdue_condition,
)

# On-call load, in the time zone of the person reading the report (docs/insights.md):
WORKDAY_START_HOUR = 9  # out of hours: before 09:00, from 18:00, or on Saturday and Sunday
WORKDAY_END_HOUR = 18
NIGHT_START_HOUR = 22  # a night: 22:00 until 07:00 the next morning
NIGHT_END_HOUR = 7
LONGEST_RANGE = timedelta(days=731)  # two years of weeks: bounds the work of one request


@dataclass(frozen=True)
class InsightFilters:
    """What a report covers: days `first_day`..`last_day` (inclusive, in `zone`), and when
    given only these severities (ranks) and services (slugs)."""

    first_day: date
    last_day: date
    zone: tzinfo
    severity_ranks: tuple[int, ...] = ()
    service_slugs: tuple[str, ...] = field(default=())

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=self.zone)

    @property
    def end_at(self) -> datetime:
        """The first moment after the range (midnight after `last_day`)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.zone)

    def cache_key(self) -> str:
        """The same for the same filters in the same zone (a cache key's part)."""
        text = repr(
            (
                self.first_day,
                self.last_day,
                str(self.zone),
                *self.severity_ranks,
                "|",
                *self.service_slugs,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def weeks(self) -> list[date]:
        """The Mondays of every week the range touches, oldest first."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday <= self.last_day:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


def insights_require_access(user: AbstractBaseUser) -> None:
    """Viewers and above read the reports (they read every incident anyway)."""
    if not user_can_view_incidents(user):
        raise PermissionDeniedError("You do not have permission to view insights.")


def insights_postmortem_access(user: AbstractBaseUser) -> dict[str, bool]:
    """Whether `user` may read the post-mortem and the action-item reports (viewers may)."""
    return {
        "postmortems": user.has_perm(postmortem_selectors.VIEW_PERMISSION),
        "action-items": user.has_perm(postmortem_selectors.ACTION_ITEM_VIEW_PERMISSION),
    }


def severity_options() -> list[tuple[int, str]]:
    return list(Severity.objects.order_by("rank").values_list("rank", "name"))


def service_options() -> list[tuple[str, str]]:
    return list(Service.objects.order_by("name").values_list("slug", "name"))


# --- incidents -----------------------------------------------------------------------------------


def _incidents(filters: InsightFilters, prefix: str = "") -> Q:
    """The incidents a report counts, as a condition on `<prefix>` (an Incident relation)."""
    condition = Q(
        **{f"{prefix}created_at__gte": filters.start_at, f"{prefix}created_at__lt": filters.end_at}
    )
    if filters.severity_ranks:
        condition &= Q(**{f"{prefix}severity__rank__in": filters.severity_ranks})
    if filters.service_slugs:
        # EXISTS, not a join: an incident of two matching services is still one incident.
        of_service = Incident.services.through.objects.filter(
            incident_id=OuterRef(f"{prefix}id" if prefix else "id"),
            service__slug__in=filters.service_slugs,
        )
        condition &= Q(Exists(of_service))
    return condition


def _week(filters: InsightFilters, created_at: str = "created_at") -> TruncWeek:
    return TruncWeek(created_at, tzinfo=filters.zone)


class WeekIncidents(NamedTuple):
    week: date
    severity_rank: int
    severity_name: str
    incidents: int  # declared that week
    breached: int  # of which the acknowledge target was breached


def incidents_per_week(filters: InsightFilters, *, now: datetime) -> list[WeekIncidents]:
    """Per week and severity (weeks without any are absent): incidents declared, and those whose
    acknowledge target is breached by the one rule (`incidents.models.ack_target_breached`, here
    as its database expression; an incident still waiting counts once its target has passed at
    `now`). One query for both figures."""
    rows = (
        Incident.objects.filter(_incidents(filters))
        .annotate(week=_week(filters), breached=ack_target_breached_expression(now=now))
        .values_list("week", "severity__rank", "severity__name")
        .annotate(incidents=Count("id"), late=Count("id", filter=Q(breached=True)))
        .order_by("week", "severity__rank")
    )
    return [WeekIncidents(_day(week, filters), *rest) for week, *rest in rows]


class WeekResponse(NamedTuple):
    week: date
    group: str  # a severity's or a service's name
    acknowledged: int  # incidents measured for time to acknowledge
    ack_median: timedelta | None
    ack_p90: timedelta | None
    resolved: int  # incidents measured for time to resolve
    resolve_median: timedelta | None
    resolve_p90: timedelta | None


def response_times(filters: InsightFilters, *, by: str) -> list[WeekResponse]:
    """Median and 90th percentile of time to acknowledge (MTTA) and to resolve (MTTR), per week
    and severity (`by="severity"`) or service (`by="service"`: an incident of two services
    counts for both; with a service filter only those services are shown), in one query.
    Incidents without the stamp yet are not measured for it (percentile_cont skips NULLs; the
    counts say how many were measured)."""
    if by == "severity":
        queryset: QuerySet = Incident.objects.filter(_incidents(filters))
        prefix, group, order = "", "severity__name", "severity__rank"
    elif by == "service":
        queryset = Incident.services.through.objects.filter(_incidents(filters, "incident__"))
        if filters.service_slugs:
            queryset = queryset.filter(service__slug__in=filters.service_slugs)
        prefix, group, order = "incident__", "service__name", "service__name"
    else:
        raise ValueError(f"by must be severity or service, not {by!r}")

    def taken(stamp: str) -> ExpressionWrapper:
        return ExpressionWrapper(
            F(f"{prefix}{stamp}") - F(f"{prefix}triggered_at"), output_field=DurationField()
        )

    rows = (
        queryset.annotate(week=_week(filters, f"{prefix}created_at"))
        .values_list("week", group, order)
        .annotate(
            acknowledged=Count(f"{prefix}acknowledged_at"),
            ack_median=PercentileCont(taken("acknowledged_at"), 0.5),
            ack_p90=PercentileCont(taken("acknowledged_at"), 0.9),
            resolved=Count(f"{prefix}resolved_at"),
            resolve_median=PercentileCont(taken("resolved_at"), 0.5),
            resolve_p90=PercentileCont(taken("resolved_at"), 0.9),
        )
        .order_by("week", order)
    )
    return [WeekResponse(_day(week, filters), name, *rest) for week, name, _order, *rest in rows]


def _day(week: datetime | date, filters: InsightFilters) -> date:
    if isinstance(week, datetime):
        return (week.astimezone(filters.zone) if week.tzinfo else week).date()
    return week


# --- on-call load --------------------------------------------------------------------------------


class PagingStep(Func):
    """The paging step a page belongs to, to count steps rather than channels: a row value in
    PostgreSQL (compared column by column, no text built per row), text in SQLite."""

    template = "ROW(%(expressions)s)"
    output_field = CharField()  # only ever counted

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s)",
            arg_joiner=" || ':' || ",
            **extra,
        )


class PersonLoad(NamedTuple):
    user_id: int
    name: str
    pages: int
    out_of_hours: int
    nights: int


def oncall_load(filters: InsightFilters) -> list[PersonLoad]:
    """Per person paged in the range, most paged first: pages that reached them, those out of
    hours, and the nights they were woken — all in `filters.zone` (the viewer's time zone).

    A *page* is one paging step that reached the person (a sent `Page`): the same step sent by
    e-mail and SMS counts once. *Out of hours*: sent before 09:00, from 18:00, or on a Saturday
    or Sunday. *Nights woken*: the nights (22:00 to 07:00, named by the evening's date) in which at
    least one page reached them. Severity and service filters apply to the paged incident.
    """
    hour = ExtractHour("sent_at", tzinfo=filters.zone)
    night_of = Case(
        # Before 07:00 the night began the evening before. (A whole day earlier, not 7 hours:
        # the date stays right across a daylight-saving change.)
        When(
            sent_hour__lt=NIGHT_END_HOUR,
            then=TruncDate(
                ExpressionWrapper(
                    F("sent_at") - Value(timedelta(days=1)), output_field=DateTimeField()
                ),
                tzinfo=filters.zone,
            ),
        ),
        default=TruncDate("sent_at", tzinfo=filters.zone),
    )
    step = PagingStep("incident_id", "cycle", "round", "level", "purpose")
    out_of_hours = (
        Q(sent_weekday__gte=6)
        | Q(sent_hour__lt=WORKDAY_START_HOUR)
        | Q(sent_hour__gte=WORKDAY_END_HOUR)
    )
    at_night = Q(sent_hour__gte=NIGHT_START_HOUR) | Q(sent_hour__lt=NIGHT_END_HOUR)
    rows = (
        Page.objects.filter(
            _incidents_of(filters),
            user__isnull=False,
            status=PageStatus.SENT,
            sent_at__gte=filters.start_at,
            sent_at__lt=filters.end_at,
        )
        .alias(
            sent_hour=hour,
            sent_weekday=ExtractIsoWeekDay("sent_at", tzinfo=filters.zone),
            step=step,
        )
        .alias(night_of=night_of)
        .values_list("user_id", "user__username", "user__first_name", "user__last_name")
        .annotate(
            pages=Count("step", distinct=True),
            out_of_hours=Count("step", distinct=True, filter=out_of_hours),
            nights=Count("night_of", distinct=True, filter=at_night),
        )
        .order_by("-pages", "user__username")
    )
    return [
        PersonLoad(user_id, f"{first} {last}".strip() or username, pages, late, nights)
        for user_id, username, first, last, pages, late, nights in rows
    ]


def _incidents_of(filters: InsightFilters, prefix: str = "incident__") -> Q:
    """Severity and service filters on a row's incident (the range applies to the row's own
    time: when a page was sent, a post-mortem due, an action item opened or done)."""
    condition = Q()
    if filters.severity_ranks:
        condition &= Q(**{f"{prefix}severity__rank__in": filters.severity_ranks})
    if filters.service_slugs:
        of_service = Incident.services.through.objects.filter(
            incident_id=OuterRef(f"{prefix}id"), service__slug__in=filters.service_slugs
        )
        condition &= Q(Exists(of_service))
    return condition


# --- post-mortems and action items ---------------------------------------------------------------


class WeekPostmortems(NamedTuple):
    week: date  # the week the post-mortem was due
    on_time: int  # published by its due time
    late: int  # published after it
    overdue: int  # not published, past due (postmortems.models.is_overdue)
    not_yet_due: int


def postmortems_per_week(filters: InsightFilters, *, now: datetime) -> list[WeekPostmortems]:
    """Post-mortems by the week they were due (in the range), counted by outcome. One that was
    published, reopened and not yet published again counts as not published. Severity and
    service filters apply to the incident."""
    published = Q(status=PostmortemStatus.PUBLISHED)
    rows = (
        Postmortem.objects.filter(
            _incidents_of(filters, "incident__"),
            due_at__gte=filters.start_at,
            due_at__lt=filters.end_at,
        )
        .annotate(week=_week(filters, "due_at"))
        .values_list("week")
        .annotate(
            on_time=Count("id", filter=published & Q(published_at__lte=F("due_at"))),
            late=Count("id", filter=published & Q(published_at__gt=F("due_at"))),
            overdue=Count("id", filter=is_overdue_condition(now=now)),
            not_yet_due=Count("id", filter=~published & Q(due_at__gt=now)),
        )
        .order_by("week")
    )
    return [WeekPostmortems(_day(week, filters), *rest) for week, *rest in rows]


class WeekActionItems(NamedTuple):
    week: date
    opened: int  # created that week
    done: int  # reached "done" that week (won't do is not done)


def action_items_per_week(filters: InsightFilters) -> list[WeekActionItems]:
    """Action items opened per week (by `created_at`) beside those done per week (by
    `completed_at`, status done). Severity and service filters apply to their incident."""
    of_incidents = _incidents_of(filters, "incident__")
    in_range = {"__gte": filters.start_at, "__lt": filters.end_at}
    opened = (
        ActionItem.objects.filter(
            of_incidents, **{f"created_at{op}": moment for op, moment in in_range.items()}
        )
        .annotate(week=_week(filters, "created_at"))
        .values_list("week")
        .annotate(count=Count("id"))
    )
    done = (
        ActionItem.objects.filter(
            of_incidents,
            status=ActionItemStatus.DONE,
            **{f"completed_at{op}": moment for op, moment in in_range.items()},
        )
        .annotate(week=_week(filters, "completed_at"))
        .values_list("week")
        .annotate(count=Count("id"))
    )
    weeks: dict[date, list[int]] = {}
    for index, rows in ((0, opened), (1, done)):
        for week, count in rows:
            weeks.setdefault(_day(week, filters), [0, 0])[index] = count
    return [WeekActionItems(week, *counts) for week, counts in sorted(weeks.items())]
