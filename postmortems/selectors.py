"""Reads of post-mortems and action items, with the access checks every interface shares.

For other apps (insights): `postmortem_outcomes` and `action_item_counts` answer "on time vs
overdue" and "opened vs done" with database aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from core import clock
from core.errors import NotFoundError, PermissionDeniedError
from incidents import selectors as incident_selectors
from incidents.models import Incident
from postmortems.models import (
    ACTION_ITEM_OPEN_STATUSES,
    ActionItem,
    ActionItemStatus,
    Postmortem,
    PostmortemSection,
    PostmortemStatus,
    TimelineEntry,
    is_overdue_condition,
)

VIEW_PERMISSION = "postmortems.view_postmortem"
ACTION_ITEM_VIEW_PERMISSION = "postmortems.view_actionitem"


def user_can_view(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def user_can_write(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("postmortems.change_postmortem"))


def user_can_write_action_items(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("postmortems.change_actionitem"))


def _require(user: AbstractBaseUser, permission: str, what: str) -> None:
    if not (user and user.is_authenticated and user.has_perm(permission)):
        raise PermissionDeniedError(f"You do not have permission to view {what}.")


# --- post-mortems -------------------------------------------------------------------------------


def postmortem_get_for_user(*, user: AbstractBaseUser, pk: int) -> Postmortem:
    """The post-mortem, or NotFoundError (also for people who may not see post-mortems)."""
    if not user_can_view(user):
        raise NotFoundError(f"Post-mortem {pk} does not exist.")
    try:
        return Postmortem.objects.select_related(
            "incident", "incident__severity", "owner", "published_by"
        ).get(pk=pk)
    except (Postmortem.DoesNotExist, ValueError, OverflowError):
        raise NotFoundError(f"Post-mortem {pk} does not exist.") from None


def postmortem_of_incident(*, incident: Incident) -> Postmortem | None:
    return Postmortem.objects.filter(incident=incident).select_related("owner").first()


def incident_action_items(*, incident: Incident) -> list[ActionItem]:
    return list(ActionItem.objects.filter(incident=incident).select_related("owner").order_by("id"))


def postmortem_sections(*, postmortem: Postmortem) -> list[PostmortemSection]:
    return list(
        PostmortemSection.objects.filter(postmortem=postmortem)
        .select_related("updated_by")
        .prefetch_related("comments__author")
    )


def section_get(*, postmortem: Postmortem, key: str) -> PostmortemSection:
    try:
        return PostmortemSection.objects.select_related("updated_by").get(
            postmortem=postmortem, key=key
        )
    except PostmortemSection.DoesNotExist:
        raise NotFoundError(f"The post-mortem has no section {key!r}.") from None


def timeline_entries(*, postmortem: Postmortem, include_hidden: bool = True) -> QuerySet:
    queryset = TimelineEntry.objects.filter(postmortem=postmortem)
    if not include_hidden:
        queryset = queryset.filter(hidden=False)
    return queryset.order_by("occurred_at", "id")


def timeline_entry_get(*, postmortem: Postmortem, pk: int) -> TimelineEntry:
    try:
        return TimelineEntry.objects.select_related("postmortem").get(postmortem=postmortem, pk=pk)
    except (TimelineEntry.DoesNotExist, ValueError):
        raise NotFoundError(f"Timeline row {pk} does not exist.") from None


@dataclass(frozen=True)
class PostmortemFilters:
    statuses: tuple[str, ...] = ()
    severity_ranks: tuple[int, ...] = ()
    service_slugs: tuple[str, ...] = ()
    overdue: bool = False
    owner_usernames: tuple[str, ...] = ()
    text: str = ""


def postmortem_list(
    *, user: AbstractBaseUser, filters: PostmortemFilters | None = None
) -> QuerySet:
    """Post-mortems the user may see, newest first, filtered; full-text search over the
    incident's title and every section (PostgreSQL's text search; `icontains` elsewhere)."""
    _require(user, VIEW_PERMISSION, "post-mortems")
    filters = filters or PostmortemFilters()
    queryset = Postmortem.objects.select_related("incident", "incident__severity", "owner")
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.severity_ranks:
        queryset = queryset.filter(incident__severity__rank__in=filters.severity_ranks)
    if filters.service_slugs:
        queryset = queryset.filter(
            incident_id__in=Incident.services.through.objects.filter(
                service__slug__in=filters.service_slugs
            ).values("incident_id")
        )
    if filters.owner_usernames:
        queryset = queryset.filter(owner__username__in=filters.owner_usernames)
    if filters.overdue:
        queryset = queryset.filter(is_overdue_condition(now=clock.now()))
    if filters.text.strip():
        queryset = queryset.filter(_text_q(filters.text.strip()))
    return queryset.order_by("-created_at", "-id")


def _text_q(text: str) -> Q:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        matching_sections = (
            PostmortemSection.objects.annotate(
                document=SearchVector("title", "body", config="english")
            )
            .filter(document=SearchQuery(text, config="english", search_type="websearch"))
            .values("postmortem_id")
        )
        matching_titles = (
            Incident.objects.annotate(document=SearchVector("title", "summary", config="english"))
            .filter(document=SearchQuery(text, config="english", search_type="websearch"))
            .values("pk")
        )
        condition = Q(pk__in=matching_sections) | Q(incident_id__in=matching_titles)
    else:
        condition = Q(
            pk__in=PostmortemSection.objects.filter(body__icontains=text).values("postmortem_id")
        ) | Q(incident__title__icontains=text)
    if text.lstrip("#").isdigit():
        condition |= Q(incident__number=int(text.lstrip("#")))
    return condition


def postmortem_due_list(*, now: datetime) -> QuerySet:
    """Unpublished post-mortems with a due time (the reminders' input)."""
    return (
        Postmortem.objects.filter(due_at__isnull=False)
        .exclude(status=PostmortemStatus.PUBLISHED)
        .select_related("incident", "owner")
        .order_by("due_at", "id")
    )


def postmortem_overdue_list(*, now: datetime) -> QuerySet:
    return postmortem_due_list(now=now).filter(due_at__lte=now)


def postmortem_states_for_incidents(
    incident_ids: list[int],
) -> dict[int, tuple[str, datetime | None]]:
    """{incident id: (status, due_at)} in one query (board badges)."""
    return {
        incident_id: (status, due_at)
        for incident_id, status, due_at in Postmortem.objects.filter(
            incident_id__in=incident_ids
        ).values_list("incident_id", "status", "due_at")
    }


def postmortem_outcomes(*, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Counts for insights: published on time, published late, open and overdue, open and not
    yet due — post-mortems with a due time created in [since, until)."""
    queryset = Postmortem.objects.filter(due_at__isnull=False)
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    now = clock.now()
    published = Q(status=PostmortemStatus.PUBLISHED)
    return queryset.aggregate(
        on_time=Count("pk", filter=published & Q(published_at__lte=F("due_at"))),
        late=Count("pk", filter=published & Q(published_at__gt=F("due_at"))),
        overdue=Count("pk", filter=is_overdue_condition(now=now)),
        pending=Count("pk", filter=~published & Q(due_at__gt=now)),
    )


# --- action items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionItemFilters:
    owner_usernames: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    service_slugs: tuple[str, ...] = ()
    overdue: bool = False
    incident_number: int | None = None
    postmortem_id: int | None = None


def action_item_overdue_q(today: date) -> Q:
    """Overdue: still open or in progress, and its due date has passed."""
    return Q(status__in=ACTION_ITEM_OPEN_STATUSES, due_date__lt=today)


def action_item_list(
    *, user: AbstractBaseUser, filters: ActionItemFilters | None = None
) -> QuerySet:
    _require(user, ACTION_ITEM_VIEW_PERMISSION, "action items")
    filters = filters or ActionItemFilters()
    queryset = ActionItem.objects.select_related("owner", "incident", "incident__severity")
    if filters.owner_usernames:
        queryset = queryset.filter(owner__username__in=filters.owner_usernames)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.service_slugs:
        queryset = queryset.filter(
            incident_id__in=Incident.services.through.objects.filter(
                service__slug__in=filters.service_slugs
            ).values("incident_id")
        )
    if filters.overdue:
        queryset = queryset.filter(action_item_overdue_q(clock.now().date()))
    if filters.incident_number is not None:
        queryset = queryset.filter(incident__number=filters.incident_number)
    if filters.postmortem_id is not None:
        queryset = queryset.filter(postmortem_id=filters.postmortem_id)
    return queryset.order_by(F("due_date").asc(nulls_last=True), "id")


def action_item_get_for_user(*, user: AbstractBaseUser, pk: int) -> ActionItem:
    if not (user and user.is_authenticated and user.has_perm(ACTION_ITEM_VIEW_PERMISSION)):
        raise NotFoundError(f"Action item {pk} does not exist.")
    try:
        return ActionItem.objects.select_related("owner", "incident").get(pk=pk)
    except (ActionItem.DoesNotExist, ValueError, OverflowError):
        raise NotFoundError(f"Action item {pk} does not exist.") from None


def action_items_overdue(*, today: date) -> QuerySet:
    return ActionItem.objects.filter(action_item_overdue_q(today)).select_related(
        "owner", "incident"
    )


def action_item_counts(*, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Counts for insights: action items opened in [since, until) and how many of those are done
    (or won't do), still open, and overdue."""
    queryset = ActionItem.objects.all()
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    return queryset.aggregate(
        opened=Count("pk"),
        done=Count("pk", filter=Q(status=ActionItemStatus.DONE)),
        wont_do=Count("pk", filter=Q(status=ActionItemStatus.WONT_DO)),
        open=Count("pk", filter=Q(status__in=ACTION_ITEM_OPEN_STATUSES)),
        overdue=Count("pk", filter=action_item_overdue_q(clock.now().date())),
    )


# --- people -------------------------------------------------------------------------------------


def responders() -> QuerySet:
    """Active people who may write post-mortems (owner and reviewer pickers)."""
    user_model = get_user_model()
    perm = Q(groups__permissions__codename="change_postmortem") | Q(is_superuser=True)
    return user_model.objects.filter(perm, is_active=True).distinct().order_by("username")


def user_by_username(username: str) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(username=username, is_active=True).first()


def postmortems_of_person(*, user: AbstractBaseUser, limit: int = 50) -> list[Postmortem]:
    """Unpublished post-mortems `user` owns or has been asked to review, soonest due first."""
    return list(
        Postmortem.objects.filter(Q(owner=user) | Q(reviews__reviewer=user))
        .exclude(status=PostmortemStatus.PUBLISHED)
        .select_related("incident")
        .distinct()
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )


BOARD_COLUMN_LIMIT = 30


def postmortem_due_rows(user: AbstractBaseUser) -> list:
    """The board's "Post-mortem due" column: incidents whose post-mortem is not published and
    has a due time (they were resolved), soonest due first, as the board's rows."""
    pending = (
        Postmortem.objects.filter(due_at__isnull=False)
        .exclude(status=PostmortemStatus.PUBLISHED)
        .order_by("due_at", "id")
        .values_list("incident_id", flat=True)[:BOARD_COLUMN_LIMIT]
    )
    ids = list(pending)
    if not ids:
        return []
    rows = incident_selectors.incident_rows(user=user).filter(pk__in=ids)
    order = {incident_id: position for position, incident_id in enumerate(ids)}
    named = incident_selectors.incident_rows_named(list(rows))
    return sorted(named, key=lambda row: order[row.pk])
