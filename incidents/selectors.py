"""Reads of the incident domain, with the access checks every interface shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.errors import NotFoundError, PermissionDeniedError
from incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentStatus,
    RoleAssignment,
    Service,
    Severity,
    TimelineEvent,
    ack_target_breached,
)

VIEW_PERMISSION = "incidents.view_incident"


def user_can_view_incidents(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def user_can_respond(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("incidents.respond_incident"))


def _require_view(user: AbstractBaseUser) -> None:
    if not user_can_view_incidents(user):
        raise PermissionDeniedError("You do not have permission to view incidents.")


def _current_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=RoleAssignment.objects.filter(ended_at__isnull=True).select_related(
            "role", "user"
        ),
        to_attr="current_assignments",
    )


@dataclass(frozen=True)
class IncidentFilters:
    statuses: tuple[str, ...] = ()
    severity_ranks: tuple[int, ...] = ()
    service_slugs: tuple[str, ...] = ()
    text: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None
    open_only: bool = False
    commander_usernames: tuple[str, ...] = ()


def incident_list(*, user: AbstractBaseUser, filters: IncidentFilters | None = None) -> QuerySet:
    """Incidents the user may see, newest first, with what list views show already loaded.

    The queryset runs a fixed number of queries however many rows are read from it.
    """
    _require_view(user)
    queryset = Incident.objects.select_related("severity", "declared_by").prefetch_related(
        Prefetch("services", queryset=Service.objects.only("id", "name", "slug")),
        _current_assignments(),
    )
    return _filtered(queryset, filters or IncidentFilters())


class RowSeverity(NamedTuple):
    rank: int
    name: str
    label: str
    ack_target: timedelta


class IncidentRow:
    """One incident as a row of the board or the list shows it: its columns as plain values.

    Not an `Incident`: building 150 model instances (and a `Severity` each) for a board cost
    more than rendering its cards. Presenters (incidents/pages.py) add what they compute per row.
    """

    def __init__(
        self,
        pk: int,
        number: int,
        title: str,
        status: str,
        created_at: datetime,
        triggered_at: datetime,
        acknowledged_at: datetime | None,
        resolved_at: datetime | None,
        severity: RowSeverity,
    ) -> None:
        self.pk = pk
        self.number = number
        self.title = title
        self.status = status
        self.created_at = created_at
        self.triggered_at = triggered_at
        self.acknowledged_at = acknowledged_at
        self.resolved_at = resolved_at
        self.severity = severity
        self.service_names = "—"
        self.commander_name: str | None = None

    def get_status_display(self) -> str:
        # As Django's get_FOO_display: an unknown value is shown as it is, not an error.
        return _STATUS_LABELS.get(self.status, self.status)

    @property
    def ack_deadline(self) -> datetime:
        return self.triggered_at + self.severity.ack_target

    def ack_target_breached(self, now: datetime) -> bool:
        return ack_target_breached(
            triggered_at=self.triggered_at,
            acknowledged_at=self.acknowledged_at,
            resolved_at=self.resolved_at,
            ack_target=self.severity.ack_target,
            now=now,
        )


_STATUS_LABELS = dict(IncidentStatus.choices)


_ROW_COLUMNS = (
    "id",
    "number",
    "title",
    "status",
    "created_at",
    "triggered_at",
    "acknowledged_at",
    "resolved_at",
    "severity_id",
    "severity__rank",
    "severity__name",
    "severity__label",
    "severity__ack_target",
)


def incident_rows(*, user: AbstractBaseUser, filters: IncidentFilters | None = None) -> QuerySet:
    """Like `incident_list`, but only the columns a row of the board or the list shows, as
    tuples: pass the rows of a screen (after slicing) through `incident_rows_named`."""
    _require_view(user)
    queryset = _filtered(Incident.objects.all(), filters or IncidentFilters())
    return queryset.values_list(*_ROW_COLUMNS)


def incident_rows_named(rows: list[tuple]) -> list[IncidentRow]:
    """The rows of `incident_rows` as `IncidentRow`s, with `service_names` ("API, Checkout") and
    `commander_name` (the current primary Incident Commander's username, or None): two queries
    for all of them.

    Flat (incident id, name) rows rather than prefetched services, assignments and users: the
    prefetches built ~450 model instances for the board's 150 cards and were its largest cost
    after the template. (Not a subquery annotation either: PostgreSQL would run it for every row
    an OFFSET skips.)
    """
    severities: dict[int, RowSeverity] = {}
    incidents = []
    for pk, number, title, status, created, triggered, acked, resolved, severity_id, *sev in rows:
        if severity_id not in severities:
            severities[severity_id] = RowSeverity(*sev)
        incidents.append(
            IncidentRow(
                pk,
                number,
                title,
                status,
                created,
                triggered,
                acked,
                resolved,
                severities[severity_id],
            )
        )
    ids = [incident.pk for incident in incidents]
    services: dict[int, list[str]] = {}
    for incident_id, name in (
        Incident.services.through.objects.filter(incident_id__in=ids)
        .order_by("service__name")
        .values_list("incident_id", "service__name")
    ):
        services.setdefault(incident_id, []).append(name)
    commanders: dict[int, str] = {}
    for incident_id, username in (
        RoleAssignment.objects.filter(
            incident_id__in=ids, role__slug="commander", kind="primary", ended_at__isnull=True
        )
        .order_by("-assigned_at")  # the earliest wins when two overlap, written last
        .values_list("incident_id", "user__username")
    ):
        commanders[incident_id] = username
    for incident in incidents:
        incident.service_names = ", ".join(services.get(incident.pk, ())) or "—"
        incident.commander_name = commanders.get(incident.pk)
    return incidents


def incident_board(*, user: AbstractBaseUser, limit: int) -> list[IncidentRow]:
    """Open incidents as named `incident_rows`, most severe first, then oldest; at most `limit`."""
    queryset = incident_rows(user=user, filters=IncidentFilters(open_only=True))
    return incident_rows_named(
        list(queryset.order_by("severity__rank", "created_at", "id")[:limit])
    )


def _filtered(queryset: QuerySet, filters: IncidentFilters) -> QuerySet:
    if filters.open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.severity_ranks:
        queryset = queryset.filter(severity__rank__in=filters.severity_ranks)
    if filters.service_slugs:
        queryset = queryset.filter(
            pk__in=Incident.services.through.objects.filter(
                service__slug__in=filters.service_slugs
            ).values("incident_id")
        )
    if filters.commander_usernames:
        # Current primary Incident Commander, as the board and list show it.
        queryset = queryset.filter(
            pk__in=RoleAssignment.objects.filter(
                role__slug="commander",
                kind="primary",
                ended_at__isnull=True,
                user__username__in=filters.commander_usernames,
            ).values("incident_id")
        )
    if filters.text:
        text = filters.text.strip()
        condition = Q(title__icontains=text) | Q(summary__icontains=text)
        if text.lstrip("#").isdigit():
            condition |= Q(number=int(text.lstrip("#")))
        queryset = queryset.filter(condition)
    if filters.created_after:
        queryset = queryset.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        queryset = queryset.filter(created_at__lt=filters.created_before)
    return queryset.order_by("-created_at", "-id")


def incident_get_for_user(*, user: AbstractBaseUser, number: int, people: bool = False) -> Incident:
    """The incident with this number, or NotFoundError (also for users who may not see it).

    `people` also loads who declared, acknowledged, mitigated, resolved and closed it (the API's
    detail shows them all): five more joins, whose planning alone cost ~1.5 ms a page.
    """
    if not user_can_view_incidents(user):
        raise NotFoundError(f"Incident #{number} does not exist.")
    related = ["severity"]
    if people:
        related += ["declared_by", "acknowledged_by", "mitigated_by", "resolved_by", "closed_by"]
    try:
        return (
            Incident.objects.select_related(*related)
            .prefetch_related("services", _current_assignments())
            .get(number=number)
        )
    except (Incident.DoesNotExist, ValueError, OverflowError):
        raise NotFoundError(f"Incident #{number} does not exist.") from None


def incident_timeline(
    *, incident: Incident, newest_first: bool = False, kinds: tuple[str, ...] = ()
) -> QuerySet:
    queryset = TimelineEvent.objects.filter(incident=incident).select_related("actor")
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    return queryset.order_by(*order)


@dataclass(frozen=True)
class TimelineEntry:
    """One timeline event as the incident page shows it (no model instance, no JSON decoding)."""

    id: int
    kind: str
    source: str
    message: str
    created_at: datetime
    actor_id: int | None
    actor_username: str | None
    change_from: Any  # data["from"] / data["to"] (any JSON value), for changes without a message
    change_to: Any
    actor_first_name: str | None = None
    actor_last_name: str | None = None

    @property
    def actor_name(self) -> str | None:
        """The actor as every panel names people: the full name, else the username."""
        full = f"{self.actor_first_name or ''} {self.actor_last_name or ''}".strip()
        return full or self.actor_username


def incident_timeline_entries(
    *, incident: Incident, newest_first: bool, kinds: tuple[str, ...], limit: int | None
) -> list[TimelineEntry]:
    """The incident page's timeline, as plain rows.

    The page shows up to 100 entries and refreshes them after every change; a model instance and
    a `User` per entry were most of the region's time.
    """
    queryset = (
        incident_timeline(incident=incident, newest_first=newest_first, kinds=kinds)
        .select_related(None)
        .values_list(
            "id",
            "kind",
            "source",
            "message",
            "created_at",
            "actor_id",
            "actor__username",
            "data__from",  # decoded JSON values: the same on SQLite and PostgreSQL
            "data__to",
            "actor__first_name",
            "actor__last_name",
        )
    )
    rows = queryset if limit is None else queryset[:limit]
    return [TimelineEntry(*row) for row in rows]


def incident_role_history(*, incident: Incident) -> QuerySet:
    return (
        RoleAssignment.objects.filter(incident=incident)
        .select_related("role", "user", "assigned_by", "ended_by")
        .order_by("assigned_at", "id")
    )


def incident_commander(incident: Incident) -> AbstractBaseUser | None:
    """Primary Incident Commander; uses the prefetched current assignments when present."""
    assignments = getattr(incident, "current_assignments", None)
    if assignments is None:
        assignments = incident.assignments.filter(ended_at__isnull=True).select_related(
            "role", "user"
        )
    for assignment in assignments:
        if assignment.role.slug == "commander" and assignment.kind == "primary":
            return assignment.user
    return None


def stakeholder_update_draft(incident: Incident) -> str:
    """The runbook's communication template, filled in from the incident as it is now.

    Once the incident is resolved or closed, nothing is "under investigation" any more: the
    draft says when it was resolved.
    """
    commander = incident_commander(incident)
    services = ", ".join(service.name for service in incident.services.all()) or "—"
    if incident.resolved_at is not None and not incident.is_open:
        impact = incident.customer_impact or "None ongoing"
        eta = f"Resolved at {incident.resolved_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    else:
        impact = incident.customer_impact or "Under investigation"
        eta = "Under investigation"
    return (
        f"[{incident.severity.name} {incident.severity.label}] Incident #{incident.number}: "
        f"{incident.title}\n"
        f"Status: {incident.get_status_display()}\n"
        f"Service: {services}\n"
        f"Issue: {incident.summary or incident.title}\n"
        f"Impact: {impact}\n"
        f"ETA: {eta}\n"
        f"Incident commander: {_full_name(commander) if commander else 'unassigned'}"
    )


def _full_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def severity_list() -> QuerySet:
    return Severity.objects.order_by("rank")


DEFAULT_SEVERITY_RANK = 3


def severity_default() -> Severity | None:
    """The severity used when none is given (a Slack `/incident declare`, a new integration):
    SEV-3 where it exists, else the least severe; None only without any severity."""
    return (
        Severity.objects.filter(rank=DEFAULT_SEVERITY_RANK).first()
        or Severity.objects.order_by("rank").last()
    )


def service_list() -> QuerySet:
    return Service.objects.order_by("name")


def open_incident_counts_by_severity() -> list[tuple[Severity, int]]:
    """Every severity (zeros too) with its number of open incidents.

    Counted from the open incidents (the status index) rather than by joining every incident
    to its severity: the first reads the few open rows, the second all of history.
    """
    open_count = (
        Incident.objects.filter(severity=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("severity")
        .annotate(count=Count("id"))
        .values("count")
    )
    severities = severity_list().annotate(open_count=Coalesce(Subquery(open_count), 0))
    return [(severity, severity.open_count) for severity in severities]
