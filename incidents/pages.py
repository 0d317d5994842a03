"""Presenters of the incident screens: what the board, the list and the incident page show,
computed in plain Python from the selectors (views stay thin, templates stay simple).

Regions of the incident page are blocks of `incidents/incident.html` (REGIONS) plus the panels
other apps register (incidents.extensions); `incident_changed_response` is how any app's action
view answers after changing an incident.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import slugify
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from markupsafe import Markup

from core import clock
from core.links import url_for_number
from core.template_helpers import duration, severity_class, since
from core.ui import (
    htmx_target,
    render_region,
    render_to_string,
    request_memo,
    safe_next,
    with_event,
)
from incidents import selectors
from incidents.extensions import (
    Badge,
    IncidentAction,
    IncidentPanel,
    board_columns,
    board_notices,
    incident_actions,
    incident_badges,
    incident_panels,
)
from incidents.forms import responder_choices
from incidents.models import (
    OPEN_STATUSES,
    AssignmentKind,
    Incident,
    IncidentStatus,
    Role,
    Severity,
    Source,
    TimelineEvent,
)

INCIDENT_TEMPLATE = "incidents/incident.html"
# The incident page's own regions (blocks of INCIDENT_TEMPLATE); panels add theirs.
REGIONS = frozenset(
    {
        "incident_header",
        "incident_actions",
        "note_form",
        "incident_timeline",
        "incident_roles",
        "update_composer",
        "incident_updates",
    }
)
INCIDENT_CHANGED = "incident-changed"
BOARD_LIMIT = 300  # open incidents shown on the board; more means the board is not the tool
# Newest (or oldest) entries the incident page shows before "Show the whole timeline": enough
# for the last hours of a busy incident, and each change re-sends the region.
TIMELINE_LIMIT = 100
TIMELINE_KINDS: dict[str, tuple[str, ...]] = {
    "notes": ("incident.note_added",),
    "status": (
        "incident.declared",
        "incident.acknowledged",
        "incident.unacknowledged",
        "incident.mitigated",
        "incident.resolved",
        "incident.closed",
        "incident.reopened",
    ),
    "roles": ("incident.role_assigned", "incident.role_unassigned"),
    "updates": ("incident.stakeholder_update_posted",),
    "changes": ("incident.severity_changed", "incident.updated"),
}
EVENT_LABELS = {
    "incident.declared": "Declared",
    "incident.acknowledged": "Acknowledged",
    "incident.unacknowledged": "Acknowledgement timed out",
    "incident.mitigated": "Mitigated",
    "incident.resolved": "Resolved",
    "incident.closed": "Closed",
    "incident.reopened": "Reopened",
    "incident.severity_changed": "Severity changed",
    "incident.updated": "Details changed",
    "incident.role_assigned": "Role assigned",
    "incident.role_unassigned": "Role ended",
    "incident.note_added": "Note",
    "incident.stakeholder_update_posted": "Stakeholder update",
}
SOURCE_LABELS = dict(Source.choices)


# --- the acknowledge target and the durations, in words -----------------------------------------


class AckCountdown(NamedTuple):
    breached: bool  # incidents.models.ack_target_breached, the one rule
    done: bool  # acknowledged
    text: str


class AckWords(NamedTuple):
    """The countdown's phrases, translated once per screen rather than once per card."""

    took: str
    late: str
    due: str
    overdue: str

    @classmethod
    def current(cls) -> AckWords:
        return cls(
            _("acknowledged in %(took)s"),
            _(" (late)"),
            _("ack due in %(left)s"),
            _("ack overdue %(late)s"),
        )


def ack_countdown(
    incident: Incident | selectors.IncidentRow, now: datetime, words: AckWords | None = None
) -> AckCountdown:
    """The acknowledge target in words: time left, how far past it, or how long it took."""
    words = words or AckWords.current()
    breached = incident.ack_target_breached(now)
    if incident.acknowledged_at:
        took = duration(incident.acknowledged_at - incident.triggered_at)
        text = words.took % {"took": took} + (words.late if breached else "")
        return AckCountdown(breached, True, text)
    left = incident.ack_deadline - now
    if not breached:
        return AckCountdown(False, False, words.due % {"left": duration(left)})
    return AckCountdown(True, False, words.overdue % {"late": duration(-left)})


def stage_text(incident: Incident, stage: str, now: datetime) -> tuple[bool, str]:
    """(reached, words) for time to acknowledge / mitigate / resolve: the time it took, or the
    time so far while the incident is open."""
    reached = getattr(incident, f"time_to_{stage}")
    if reached is not None:
        return True, duration(reached)
    if not incident.is_open:
        return False, "—"
    return False, _("%(elapsed)s so far") % {"elapsed": duration(now - incident.triggered_at)}


def event_label(kind: str) -> str:
    """A timeline event kind in words; kinds from other apps fall back to their own name."""
    if kind in EVENT_LABELS:
        return _(EVENT_LABELS[kind])
    return kind.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@functools.cache
def _kind_class(kind: str) -> str:
    return slugify(kind)


class TimelineRow(NamedTuple):
    """What one timeline entry shows, computed in plain Python (per-event template filters were
    most of the timeline's time). A tuple: cheaper to build than a dataclass."""

    kind_class: str
    label: str
    at_iso: str
    at_title: str
    at_short: str
    message_lines: tuple[str, ...]  # the note's text, line by line (the template adds <br>)
    change: str
    who: str


def timeline_row(
    entry: selectors.TimelineEntry, zone: tzinfo, labels: dict[str, str] | None = None
) -> TimelineRow:
    """`labels`: event labels already translated for this render (one lookup per kind)."""
    labels = {} if labels is None else labels
    if entry.kind not in labels:
        labels[entry.kind] = event_label(entry.kind)
    at = entry.created_at.astimezone(zone)
    # Cut from the ISO form (2026-11-30T04:41:31.189685+01:00): cheaper than two strftime calls.
    iso = at.isoformat()
    source = SOURCE_LABELS.get(entry.source, entry.source)
    change = ""
    if not entry.message and entry.change_to:
        before = "" if entry.change_from is None else entry.change_from
        change = f"{before} → {entry.change_to}"
    return TimelineRow(
        kind_class=_kind_class(entry.kind),
        label=labels[entry.kind],
        at_iso=iso,
        at_title=f"{iso[:10]} {iso[11:19]} {at.tzname()}",
        at_short=iso[11:16],
        message_lines=tuple(entry.message.splitlines()),
        change=change,
        who=f"{entry.actor_name or source} · {source}" if entry.actor_id else source,
    )


TIMELINE_ENTRY_TEMPLATE = "incidents/timeline_entry.html"


@functools.lru_cache(maxsize=4096)
def rendered_timeline_entry(row: TimelineRow, zone: str, language: str | None) -> Markup:
    """One timeline entry's HTML, kept per process: an incident's entries do not change and the
    page shows up to 100 of them on every request and poll.

    The key is the row itself (every value the template shows, so a field added to the row is in
    the key by construction) plus the viewer's time zone and language, which the row's values
    were computed in.
    """
    return Markup(render_to_string(None, TIMELINE_ENTRY_TEMPLATE, {"event": row}))


# --- the incident page ---------------------------------------------------------------------------


def _person_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


class ShownPanel(NamedTuple):
    panel: IncidentPanel
    data: Any
    shown: bool


@dataclass
class IncidentPage:
    """Everything the incident page's regions show, each part read only when a region uses it.

    Panels of other apps receive it: `incident`, `can_respond`, `responders`, `csrf_field`,
    `url(name, *args)` (this incident's URLs) are theirs to use.
    """

    request: HttpRequest
    incident: Incident
    order: str = "newest"
    kind: str = ""
    show_all: bool = False

    @cached_property
    def now(self) -> datetime:
        return clock.now()

    @cached_property
    def can_respond(self) -> bool:
        return selectors.user_can_respond(self.request.user)

    @cached_property
    def commander(self) -> AbstractBaseUser | None:
        return selectors.incident_commander(self.incident)

    @cached_property
    def commander_name(self) -> str:
        return _person_name(self.commander) if self.commander else ""

    @cached_property
    def services(self) -> list:
        return list(self.incident.services.all())

    @cached_property
    def ack(self) -> AckCountdown:
        return ack_countdown(self.incident, self.now)

    def stage(self, stage: str) -> tuple[bool, str]:
        return stage_text(self.incident, stage, self.now)

    @cached_property
    def can_assign_roles(self) -> bool:
        return self.can_respond and self.incident.status != IncidentStatus.CLOSED

    @cached_property
    def role_rows(self) -> list[dict[str, Any]]:
        held = {(a.role_id, a.kind): a for a in self.incident.current_assignments}
        rows = []
        for role in Role.objects.all():
            slots = []
            for kind, label in AssignmentKind.choices:
                assignment = held.get((role.pk, kind))
                holder = assignment.user if assignment else None
                slots.append(
                    {
                        "kind": kind,
                        "label": label,
                        "assignment": assignment,
                        "holder_id": holder.pk if holder else None,
                        "holder_name": _person_name(holder) if holder else "",
                    }
                )
            rows.append({"role": role, "slots": slots})
        return rows

    @cached_property
    def responders(self) -> list[tuple[int, str]]:
        """(id, name) of everyone who may hold a role or be paged, for the pickers."""
        people = responder_choices().values_list("pk", "first_name", "last_name", "username")
        # The names as User.get_full_name() / get_username() give them, without a User each.
        return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in people]

    @cached_property
    def csrf_field(self) -> SafeString:
        """One hidden CSRF field for the page's many small forms (`csrf_input` masks the token
        anew at every use)."""
        return csrf_input(self.request)

    @cached_property
    def update_draft(self) -> str:
        return selectors.stakeholder_update_draft(self.incident)

    def url(self, name: str, *args: str) -> str:
        """One of this incident's URLs (reversed once per name and process)."""
        return url_for_number(name, *args)(self.incident.number)

    @cached_property
    def timeline(self) -> list[selectors.TimelineEntry]:
        return selectors.incident_timeline_entries(
            incident=self.incident,
            newest_first=self.order != "oldest",
            kinds=TIMELINE_KINDS.get(self.kind, ()),
            limit=None if self.show_all else TIMELINE_LIMIT + 1,
        )

    @cached_property
    def timeline_rows(self) -> list[TimelineRow]:
        entries = self.timeline if self.show_all else self.timeline[:TIMELINE_LIMIT]
        zone, labels = timezone.get_current_timezone(), {}
        return [timeline_row(entry, zone, labels) for entry in entries]

    @property
    def timeline_entries_html(self) -> list[Markup]:
        zone, language = timezone.get_current_timezone_name(), translation.get_language()
        return [rendered_timeline_entry(row, zone, language) for row in self.timeline_rows]

    @property
    def timeline_truncated(self) -> bool:
        return not self.show_all and len(self.timeline) > TIMELINE_LIMIT

    @property
    def timeline_kinds(self) -> list[tuple[str, str]]:
        return [(kind, _(kind.capitalize())) for kind in TIMELINE_KINDS]

    @property
    def show_all_query(self) -> str:
        return urlencode({"order": self.order, "kind": self.kind, "all": 1})

    @cached_property
    def updates(self) -> list:
        updates = self.incident.stakeholder_updates.select_related("created_by", "severity")
        # What the list shows (not the author's password hash nor every severity setting).
        shown = (
            "body",
            "status",
            "created_at",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
            "severity__name",
        )
        return list(updates.only("incident_id", *shown)[:20])

    @cached_property
    def severities(self) -> list[Severity]:
        # The top bar lists every severity with its open count: one query serves both.
        return [severity for severity, _count in open_counts(self.request)]

    @cached_property
    def stamp(self) -> int:
        if self.order == "newest" and not self.kind:
            # The page reads the newest entries anyway; the newest id is among them. Were it not,
            # the next poll would see another stamp and refresh once: never a missed change.
            return max((entry.id for entry in self.timeline), default=0)
        return timeline_stamp(self.incident.number)

    @cached_property
    def actions(self) -> list[IncidentAction]:
        """The actions other apps registered that apply now (for responders only)."""
        if not self.can_respond:
            return []
        return [action for action in incident_actions if action.visible(self)]

    def panels(self, column: str) -> list[ShownPanel]:
        """The registered panels of a column, with their data (None when not shown)."""
        shown = []
        for panel in incident_panels:
            if panel.column == column:
                visible = panel.visible(self)
                shown.append(ShownPanel(panel, panel.data(self) if visible else None, visible))
        return shown

    def context(self) -> dict[str, Any]:
        return {"incident": self.incident, "page": self}


def timeline_stamp(number: int) -> int:
    """The newest timeline event id: every change writes one, so a new id means "changed"."""
    events = TimelineEvent.objects.filter(incident__number=number)
    return events.aggregate(top=Max("id"))["top"] or 0


def incident_page(request: HttpRequest, number: int) -> IncidentPage:
    """The page of incident `number` for this person (NotFoundError when they may not see it),
    with the timeline's order and filter from the query string."""
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    order = request.GET.get("order", "newest")
    kind = request.GET.get("kind", "")
    return IncidentPage(
        request=request,
        incident=incident,
        order=order if order in {"newest", "oldest"} else "newest",
        kind=kind if kind in TIMELINE_KINDS else "",
        show_all=request.GET.get("all") == "1",
    )


def is_incident_region(name: str | None) -> bool:
    return name in REGIONS or name in incident_panels


def incident_region_response(request: HttpRequest, page: IncidentPage, region: str) -> HttpResponse:
    """One region of the incident page, alone: a block of its template or a registered panel."""
    panel = incident_panels.get(region)
    if panel is None:
        return render_region(request, INCIDENT_TEMPLATE, region, page.context())
    data = panel.data(page) if panel.visible(page) else None
    context = {**page.context(), "panel": panel, "data": data}
    template = panel.template if panel.visible(page) else "incidents/hidden_panel.html"
    return HttpResponse(render_to_string(request, template, context))


def incident_changed_response(request: HttpRequest, number: int, region: str) -> HttpResponse:
    """How an action view answers once it changed incident `number`: for htmx the region that
    asked (its `HX-Target`, else `region`) freshly rendered plus `incident-changed`, which the
    page's other regions listen for; without JavaScript a redirect back to where it came from."""
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(safe_next(request, default=reverse("incidents:detail", args=[number])))
    target = htmx_target(request)
    if target == "board":
        return with_event(board_response(request), INCIDENT_CHANGED, region="board")
    region = target if target and is_incident_region(target) else region
    page = incident_page(request, number)
    return with_event(
        incident_region_response(request, page, region), INCIDENT_CHANGED, region=region
    )


# --- the top bar's open counts -------------------------------------------------------------------


def open_counts(request: HttpRequest) -> list[tuple[Severity, int]]:
    """Every severity with its open incidents, read once per request (top bar, severity picker)."""
    return request_memo(request, "open_counts", selectors.open_incident_counts_by_severity)


def open_counts_context(request: HttpRequest) -> Mapping[str, Any] | None:
    """The top bar's open counts: none for people who may not see incidents."""
    if not selectors.user_can_view_incidents(request.user):
        return None
    statuses = urlencode([("status", status) for status in OPEN_STATUSES])
    return {"counts": open_counts(request), "list_url": f"{reverse('incidents:list')}?{statuses}"}


# --- the board and the list ----------------------------------------------------------------------


@dataclass
class BoardCard:
    """One card: the row's columns plus what the card computes from them."""

    row: selectors.IncidentRow
    num: str  # as text: an int in a template goes through number formatting at every use
    severity_class: str
    age: str
    ack: AckCountdown
    detail_url: str
    acknowledge_url: str
    resolve_url: str
    resolve_confirm: str
    badges: Sequence[Badge] = field(default_factory=tuple)


def _badges(rows: Sequence[selectors.IncidentRow]) -> dict[int, list[Badge]]:
    found: dict[int, list[Badge]] = {}
    for extension in incident_badges:
        for incident_id, badges in extension.badges(rows).items():
            found.setdefault(incident_id, []).extend(badges)
    return found


def board_cards(rows: Sequence[selectors.IncidentRow]) -> list[BoardCard]:
    now = clock.now()
    detail = url_for_number("incidents:detail")
    acknowledge = url_for_number("incidents:transition", "acknowledge")
    resolve = url_for_number("incidents:transition", "resolve")
    badges = _badges(rows)
    words = AckWords.current()
    confirm = _("Resolve incident #%(number)s (%(title)s)?")
    return [
        BoardCard(
            row=row,
            num=str(row.number),
            severity_class=severity_class(row.severity.rank),
            age=since(row.created_at, now),
            ack=ack_countdown(row, now, words),
            detail_url=detail(row.number),
            acknowledge_url=acknowledge(row.number),
            resolve_url=resolve(row.number),
            resolve_confirm=confirm % {"number": row.number, "title": row.title},
            badges=badges.get(row.pk, ()),
        )
        for row in rows
    ]


def board_context(request: HttpRequest) -> dict[str, Any]:
    rows = selectors.incident_board(user=request.user, limit=BOARD_LIMIT)
    cards = board_cards(rows)
    can_respond = selectors.user_can_respond(request.user)
    columns: list[dict[str, Any]] = [
        {
            "name": status,
            "label": status.label,
            "cards": [c for c in cards if c.row.status == status],
        }
        for status in OPEN_STATUSES
    ]
    for column in board_columns:
        columns.append(
            {
                "name": column.name,
                "label": column.label,
                "cards": board_cards(column.rows(request.user)),
            }
        )
    statuses = urlencode([("status", status) for status in OPEN_STATUSES])
    return {
        "columns": columns,
        "total": len(cards),
        "truncated": len(cards) == BOARD_LIMIT,
        "can_respond": can_respond,
        "board_url": reverse("incidents:board"),
        "open_list_url": f"{reverse('incidents:list')}?{statuses}",
        # One hidden CSRF field for every card's forms instead of a {{ csrf_input }} each.
        "csrf_field": csrf_input(request) if can_respond and cards else "",
    }


def board_response(request: HttpRequest) -> HttpResponse:
    """The board region alone (its poll, and the answer to an action taken on it)."""
    return render_region(request, "incidents/board.html", "board", board_context(request))


def list_rows(rows: list[tuple]) -> list[tuple[selectors.IncidentRow, str, Sequence[Badge]]]:
    """(row, detail URL, badges) for a page of `incident_rows`."""
    named = selectors.incident_rows_named(rows)
    detail = url_for_number("incidents:detail")
    badges = _badges(named)
    return [(row, detail(row.number), badges.get(row.pk, ())) for row in named]


def board_notices_shown(request: HttpRequest) -> list[tuple[Any, Any]]:
    """(notice, data) of every registered board notice that has something to say."""
    shown = []
    for notice in board_notices:
        data = notice.context(request)
        if data is not None:
            shown.append((notice, data))
    return shown
