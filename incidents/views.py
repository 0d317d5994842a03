"""Browser views for responders: board, list, declare and the incident page ("war room").

Views parse input, call a selector or service, and answer with a full page — or, for htmx
requests, with only the region that changed plus an `incident-changed` event (HX-Trigger) that
the other regions of the page listen for. Every form also works without JavaScript: POST, then
redirect back. Domain errors become 400/403/404/409 answers with the service's own message.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import slugify
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from markupsafe import Markup, escape

from core import clock
from core.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from core.links import url_for_number
from firebell.jinja_env import linebreaksbr, render_jinja
from incidents import selectors, services
from incidents.forms import (
    DeclareForm,
    IncidentFilterForm,
    NoteForm,
    RoleAssignForm,
    RoleUnassignForm,
    SeverityForm,
    StakeholderUpdateForm,
    TransitionForm,
    responder_choices,
)
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
from incidents.templatetags.firebell_ui import (
    ack_countdown,
    event_label,
    open_counts_for,
    severity_class,
    since,
)

BOARD_LIMIT = 300  # open incidents shown on the board; more means the board is not the tool
LIST_PAGE_SIZE = 50
# Newest (or oldest) entries the incident page shows before "Show the whole timeline": enough
# for the last hours of a busy incident, and each change re-sends the region (~45 KB, not 150).
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
TRANSITIONS: dict[str, Callable[..., Incident]] = {
    "acknowledge": services.incident_acknowledge,
    "mitigate": services.incident_mitigate,
    "resolve": services.incident_resolve,
    "close": services.incident_close,
    "reopen": services.incident_reopen,
}
# Which keyword each transition service takes for the optional note.
TRANSITION_NOTE = {"mitigate": "message", "resolve": "message", "reopen": "reason"}
REGIONS = {
    "incident-header": "incidents/partials/header.html",
    "incident-actions": "incidents/partials/actions.html",
    "incident-roles": "incidents/partials/roles.html",
    "incident-timeline": "incidents/partials/timeline.html",
    "incident-updates": "incidents/partials/updates.html",
    "incident-related": "incidents/partials/related.html",
    "note-form": "incidents/partials/note_form.html",
    "update-composer": "incidents/partials/update_composer.html",
}


# --- plumbing ------------------------------------------------------------------------------------


def login_required_htmx(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but an expired session in an htmx request reloads the login page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            here = request.htmx.current_url_abs_path or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse('login')}?{urlencode({'next': here})}"
            return response
        return redirect_to_login(request.get_full_path())

    return wrapper


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a domain error with its status and message, in the page's error region for htmx."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as error:
            if request.htmx:
                return error_response(request, error)
            raise Http404(error.message) from error
        except DomainError as error:
            return error_response(request, error)

    return wrapper


def ui_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return login_required_htmx(domain_errors(view))


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    context = {"message": error.message, "errors": error.errors, "status": error.status_code}
    if request.htmx:
        response = render(request, "partials/flash_error.html", context, status=error.status_code)
        # htmx.config.responseHandling (base.html) swaps 400/403/404/409 answers; these headers
        # put them in the page's error region whatever element asked.
        response["HX-Retarget"] = "#flash"
        response["HX-Reswap"] = "innerHTML"
        return response
    context["back"] = _safe_next(request, default=reverse("incidents:board"))
    return render(request, "error.html", context, status=error.status_code)


def changed(response: HttpResponse, region: str) -> HttpResponse:
    """Tell the page's other regions that the incident changed (the sender is already fresh)."""
    response["HX-Trigger"] = json.dumps({"incident-changed": {"region": region}})
    return response


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _invalid(form) -> ValidationError:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    first = next(iter(form.errors.values()))[0] if form.errors else "Invalid input."
    return ValidationError(str(first), errors=errors)


# --- incident page context -----------------------------------------------------------------------


@dataclass
class IncidentPage:
    """Everything the incident page's regions show, each part loaded only when a region uses it."""

    request: HttpRequest
    incident: Incident
    order: str = "newest"
    kind: str = ""
    show_all: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def can_respond(self) -> bool:
        return selectors.user_can_respond(self.request.user)

    @cached_property
    def commander(self):
        return selectors.incident_commander(self.incident)

    @cached_property
    def services(self) -> list:
        return list(self.incident.services.all())

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
                        "holder_name": _person_name(holder) if holder else "",
                        # The pickers are shown only to responders of an incident not closed.
                        "options": self.responder_options(holder.pk if holder else None)
                        if self.can_assign_roles
                        else "",
                    }
                )
            rows.append({"role": role, "slots": slots})
        return rows

    @cached_property
    def can_assign_roles(self) -> bool:
        return self.can_respond and self.incident.status != IncidentStatus.CLOSED

    @cached_property
    def responders(self) -> list[tuple[int, str]]:
        """(id, escaped name) of everyone who may hold a role or be paged, for the pickers."""
        people = responder_choices().values_list("pk", "first_name", "last_name", "username")
        # The names as User.get_full_name() / get_username() give them, without a User each.
        return [
            (pk, escape(f"{first} {last}".strip() or username))
            for pk, first, last, username in people
        ]

    def responder_options(self, selected: int | None = None) -> SafeString:
        """The <option>s of a person picker: the page has ten of them and a team can be large,
        so they are joined here from names escaped once, not by a template loop per picker."""
        options = "".join(
            f'<option value="{pk}"{" selected" if pk == selected else ""}>{name}</option>'
            for pk, name in self.responders
        )
        return mark_safe(options)

    @cached_property
    def urls(self) -> dict[str, str]:
        return {
            "role_assign": self.url("incidents:role_assign"),
            "role_unassign": self.url("incidents:role_unassign"),
            "roles_region": self.url("incidents:region", "incident-roles"),
        }

    @cached_property
    def csrf_field(self) -> SafeString:
        """One hidden CSRF field for the page's many small forms ({% csrf_token %} masks anew
        at every use)."""
        return csrf_input(self.request)

    @cached_property
    def update_draft(self) -> str:
        return selectors.stakeholder_update_draft(self.incident)

    def url(self, name: str, *args: str) -> str:
        """One of this incident's URLs (the page shows some twenty)."""
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
    def timeline_rows_html(self) -> list[Markup]:
        entries = self.timeline if self.show_all else self.timeline[:TIMELINE_LIMIT]
        return _timeline_rows_html(entries, timezone.get_current_timezone())

    @property
    def timeline_rows_joined(self) -> Markup:
        # One value for the template: it would otherwise escape-check each entry again.
        return Markup("\n".join(self.timeline_rows_html))

    @property
    def timeline_truncated(self) -> bool:
        return not self.show_all and len(self.timeline) > TIMELINE_LIMIT

    @cached_property
    def timeline_html(self) -> SafeString:
        context = {
            "page": self,
            "kinds": [(kind, capfirst(kind)) for kind in TIMELINE_KINDS],
            "region_url": self.url("incidents:region", "incident-timeline"),
            "detail_url": self.url("incidents:detail"),
            "show_all_query": urlencode({"order": self.order, "kind": self.kind, "all": 1}),
        }
        html = render_jinja(self.request, "incidents/partials/timeline.html", context)
        return mark_safe(html)

    @cached_property
    def updates(self) -> list:
        updates = self.incident.stakeholder_updates.select_related("created_by", "severity")
        # What the list shows (not the author's password hash nor every severity setting).
        shown = ("body", "status", "created_at", "created_by__username", "severity__name")
        return list(updates.only("incident_id", *shown)[:20])

    @cached_property
    def open_counts(self) -> list[tuple[Severity, int]]:
        return selectors.open_incident_counts_by_severity()

    @cached_property
    def severities(self) -> list[Severity]:
        # The top bar lists every severity with its open count: one query serves both.
        return [severity for severity, _ in self.open_counts]

    @cached_property
    def alerts(self) -> list | None:
        return _guarded_list("alerts.selectors", "incident_alert_list", self.incident)

    @cached_property
    def pages(self) -> list | None:
        return _guarded_list("oncall.selectors", "incident_pages_list", self.incident.pk)

    @cached_property
    def escalation(self) -> Any:
        """The escalation state in words (oncall.selectors), or None without that app."""
        try:
            summary = importlib.import_module("oncall.selectors").incident_escalation_summary
        except (ImportError, AttributeError):
            return None
        return summary(self.incident)

    @cached_property
    def reassign_schedules(self) -> list[tuple[str, str]]:
        """(slug, name) for the Reassign form, shown only while the incident is triggered."""
        return _guarded_list("oncall.selectors", "schedule_choices") or []

    @cached_property
    def can_escalate(self) -> bool:
        return (
            self.can_respond
            and self.incident.status == IncidentStatus.TRIGGERED
            and _escalate_now() is not None
        )

    @cached_property
    def stamp(self) -> int:
        if self.order == "newest" and not self.kind:
            # The page already reads the newest entries; the newest id is among them (a new event
            # is stamped with the time it is written). Were it not, the next poll would see a
            # different stamp and refresh once: never a missed change.
            return max((entry.id for entry in self.timeline), default=0)
        return _timeline_stamp(self.incident.number)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "page": self,
            "open_counts_by_severity": lambda: self.open_counts,  # for the top bar
            **self.extra,
            **extra,
        }


SOURCE_LABELS = dict(Source.choices)


@functools.cache
def _kind_class_and_label(kind: str) -> tuple[str, str]:
    return slugify(kind), event_label(kind)


class TimelineRow(NamedTuple):
    """What one timeline entry shows, computed in plain Python: per-event template filters
    (three `date`s, `slugify`, `linebreaksbr`, `get_source_display`…) cost ~0.3 ms an event.
    A tuple, not a dataclass: a frozen dataclass sets its ten fields one `__setattr__` at a time."""

    kind: str
    kind_class: str
    label: str
    at_iso: str
    at_title: str
    at_short: str
    message: str
    message_html: str
    change: str
    who: str


def _timeline_row(entry: selectors.TimelineEntry, zone: tzinfo) -> TimelineRow:
    at = entry.created_at.astimezone(zone)
    # Cut from the ISO form: strftime costs ~4 µs a call, and a page shows 100 entries.
    iso = at.isoformat()  # 2026-11-30T04:41:31.189685+01:00 (no fraction when it is zero)
    source = SOURCE_LABELS.get(entry.source, entry.source)
    kind_class, label = _kind_class_and_label(entry.kind)
    return TimelineRow(
        kind=entry.kind,
        kind_class=kind_class,
        label=label,
        at_iso=iso,
        at_title=f"{iso[:10]} {iso[11:19]} {at.tzname()}",
        at_short=iso[11:16],
        message=entry.message,
        message_html=linebreaksbr(entry.message) if entry.message else "",
        change=_change_text(entry.change_from, entry.change_to),
        who=f"{entry.actor_username or source} · {source}" if entry.actor_id else source,
    )


class _RenderedEntries:
    """Timeline entries of this process as rendered, by everything they show and the time zone.

    An event is never changed once written, so after a change to an incident, when every open
    page re-reads its timeline, only the new entries are rendered again. The key holds all an
    entry shows (its text by hash), so a stale entry cannot be served even if an id came back
    (SQLite reuses the ids of rolled-back rows). Emptied when it holds ~8 MB of markup.
    """

    max_chars = 8_000_000

    def __init__(self) -> None:
        self.entries: dict[tuple, Markup] = {}
        self.chars = 0

    def html(self, entry: selectors.TimelineEntry, zone: tzinfo, zone_name: str) -> Markup:
        key = (
            entry.id,
            entry.created_at,
            entry.kind,
            entry.source,
            hash(entry.message),
            entry.actor_id,
            entry.actor_username,  # a renamed or deleted author changes it
            repr(entry.change_from),
            repr(entry.change_to),
            zone_name,
        )
        html = self.entries.get(key)
        if html is None:
            html = _timeline_event_macro()(_timeline_row(entry, zone))
            if self.chars + len(html) > self.max_chars:
                self.entries.clear()
                self.chars = 0
            self.entries[key] = html
            self.chars += len(html)
        return html


_RENDERED_ENTRIES = _RenderedEntries()


def _timeline_rows_html(entries: list[selectors.TimelineEntry], zone: tzinfo) -> list[Markup]:
    zone_name = str(zone)
    return [_RENDERED_ENTRIES.html(entry, zone, zone_name) for entry in entries]


def _timeline_event_macro() -> Callable[[TimelineRow], Markup]:
    template = engines["jinja2"].env.get_template("incidents/partials/timeline_event.html")
    return template.module.event_row


def _change_text(before: Any, after: Any) -> str:
    """ "SEV-3 → SEV-1" for an event whose data says what changed (shown when it has no message)."""
    if not after:
        return ""
    return f"{'' if before is None else before} → {after}"


def _person_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _guarded_list(module_name: str, function_name: str, *arguments: Any) -> list | None:
    """A section fed by an app that may not exist yet: None hides the section."""
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError):
        return None
    return list(function(*arguments))


def _escalate_now() -> Callable[..., Any] | None:
    """The escalation engine's "escalate now", when oncall.services offers it (built alongside)."""
    try:
        return importlib.import_module("oncall.services").escalation_escalate_now
    except (ImportError, AttributeError):
        return None


def _timeline_stamp(number: int) -> int:
    """The newest timeline event id: every change writes one, so a new id means "changed"."""
    return (
        TimelineEvent.objects.filter(incident__number=number).aggregate(top=Max("id"))["top"] or 0
    )


def _incident_page(request: HttpRequest, number: int) -> IncidentPage:
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


def _region_response(request: HttpRequest, page: IncidentPage, region: str) -> HttpResponse:
    if region == "incident-timeline":
        return HttpResponse(page.timeline_html)
    return HttpResponse(render_jinja(request, REGIONS[region], page.context()))


def _after_change(request: HttpRequest, number: int, region: str) -> HttpResponse:
    """htmx: the region that asked, freshly rendered, plus the event; otherwise back to the page."""
    if request.htmx:
        target = request.htmx.target
        if target == "board":
            return changed(_board_response(request, partial=True), "board")
        region = target if target in REGIONS else region
        page = _incident_page(request, number)
        return changed(_region_response(request, page, region), region)
    return redirect(_safe_next(request, default=reverse("incidents:detail", args=[number])))


def _require_respond(request: HttpRequest) -> None:
    # The services check again; this refuses early with the same answer for every action view.
    if not selectors.user_can_respond(request.user):
        raise PermissionDeniedError("You do not have permission to act on incidents.")


def _incident_for_action(request: HttpRequest, number: int) -> Incident:
    incident = selectors.incident_get_for_user(user=request.user, number=number)
    _require_respond(request)
    return incident


# --- board and list ------------------------------------------------------------------------------


def _board_cards(incidents: list[selectors.IncidentRow]) -> None:
    """What each card shows, computed once per card here rather than by template tags."""
    now = clock.now()
    detail = url_for_number("incidents:detail")
    acknowledge = url_for_number("incidents:transition", "acknowledge")
    resolve = url_for_number("incidents:transition", "resolve")
    for incident in incidents:
        # As text: an int in a template goes through number localisation at every use.
        incident.num = str(incident.number)
        incident.severity_class = severity_class(incident.severity.rank)
        incident.age = since(incident.created_at, now)
        incident.ack = ack_countdown(incident, now)
        incident.detail_url = detail(incident.number)
        incident.acknowledge_url = acknowledge(incident.number)
        incident.resolve_url = resolve(incident.number)


def _board_response(request: HttpRequest, *, partial: bool) -> HttpResponse:
    incidents = selectors.incident_board(user=request.user, limit=BOARD_LIMIT)
    _board_cards(incidents)
    can_respond = selectors.user_can_respond(request.user)
    columns = [
        {
            "status": status,
            "label": status.label,
            "incidents": [i for i in incidents if i.status == status],
        }
        for status in OPEN_STATUSES
    ]
    open_statuses = urlencode([("status", status) for status in OPEN_STATUSES])
    context = {
        "columns": columns,
        "total": len(incidents),
        "truncated": len(incidents) == BOARD_LIMIT,
        "can_respond": can_respond,
        "board_url": reverse("incidents:board"),
        "open_list_url": f"{reverse('incidents:list')}?{open_statuses}",
        # One hidden CSRF field for every card's forms instead of a {% csrf_token %} each.
        "csrf_field": csrf_input(request) if can_respond and incidents else "",
    }
    board_html = render_jinja(request, "incidents/partials/board.html", context)
    if partial:
        return HttpResponse(board_html)
    board = mark_safe(board_html)
    return render(request, "incidents/board.html", {"board": board})


@require_GET
@ui_view
def board(request: HttpRequest) -> HttpResponse:
    return _board_response(request, partial=bool(request.htmx))


@require_GET
@ui_view
def incident_list(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(request.GET or None)
    queryset = selectors.incident_rows(user=request.user, filters=form.to_filters())
    paginator = Paginator(queryset, LIST_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    detail = url_for_number("incidents:detail")
    page_obj.object_list = selectors.incident_rows_named(list(page_obj.object_list))
    for incident in page_obj.object_list:
        incident.detail_url = detail(incident.number)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page_obj": page_obj, "query": query.urlencode()}
    template = "incidents/partials/list_results.html" if request.htmx else "incidents/list.html"
    return render(request, template, context)


@require_GET
@ui_view
def open_counts(request: HttpRequest) -> HttpResponse:
    counts = open_counts_for(request.user)
    return HttpResponse(render_jinja(request, "partials/open_counts.html", {"open_counts": counts}))


@require_GET
@ui_view
def oncall_line(request: HttpRequest) -> HttpResponse:
    """The top bar's "You are on call for … until …", fetched by every page once loaded."""
    return render(request, "partials/oncall_line.html")


# --- declare -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ui_view
def declare(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(services.DECLARE_PERMISSION):
        raise PermissionDeniedError("You do not have permission to declare incidents.")
    form = DeclareForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incident = services.incident_create(
            title=data["title"],
            severity=data["severity"],
            services=data["services"],
            summary=data["summary"],
            commander=data["commander"] or request.user,
            actor=request.user,
            source=Source.WEB,
        )
        messages.success(request, f"Incident #{incident.number} declared.")
        return redirect("incidents:detail", number=incident.number)
    status = 400 if form.is_bound else 200
    return render(request, "incidents/declare.html", {"form": form}, status=status)


# --- incident page -------------------------------------------------------------------------------


@require_GET
@ui_view
def incident_detail(request: HttpRequest, number: int) -> HttpResponse:
    page = _incident_page(request, number)
    if request.htmx and request.htmx.target in REGIONS:
        return _region_response(request, page, request.htmx.target)
    war_room = mark_safe(render_jinja(request, "incidents/war_room.html", page.context()))
    return render(request, "incidents/detail.html", page.context(war_room=war_room))


@require_GET
@ui_view
def incident_region(request: HttpRequest, number: int, region: str) -> HttpResponse:
    if region not in REGIONS:
        raise Http404("No such part of the incident page.")
    return _region_response(request, _incident_page(request, number), region)


@require_GET
@ui_view
def incident_stamp(request: HttpRequest, number: int) -> HttpResponse:
    """Polled every few seconds: answers `incident-changed` when someone else changed it."""
    if not selectors.user_can_view_incidents(request.user):
        raise NotFoundError(f"Incident #{number} does not exist.")
    stamp = _timeline_stamp(number)
    context = {"stamp": stamp, "stamp_url": url_for_number("incidents:stamp")(number)}
    response = HttpResponse(render_jinja(request, "incidents/partials/stamp.html", context))
    seen = request.GET.get("stamp", "")
    if seen.isdigit() and int(seen) != stamp and request.GET.get("sync") != "1":
        changed(response, "stamp")
    return response


@require_POST
@ui_view
def incident_transition(request: HttpRequest, number: int, action: str) -> HttpResponse:
    if action == "escalate":
        return _escalate(request, number)
    if action not in TRANSITIONS:
        raise Http404("No such action.")
    incident = _incident_for_action(request, number)
    form = TransitionForm(request.POST)
    kwargs: dict[str, Any] = {}
    if form.is_valid() and form.cleaned_data["note"] and action in TRANSITION_NOTE:
        kwargs[TRANSITION_NOTE[action]] = form.cleaned_data["note"]
    TRANSITIONS[action](incident=incident, actor=request.user, source=Source.WEB, **kwargs)
    if not request.htmx:
        messages.success(request, f"Incident #{number}: {action} done.")
    return _after_change(request, number, "incident-actions")


def _escalate(request: HttpRequest, number: int) -> HttpResponse:
    escalate_now = _escalate_now()
    if escalate_now is None:
        raise Http404("Escalation is not available.")
    incident = _incident_for_action(request, number)
    escalate_now(incident=incident, actor=request.user, source=Source.WEB)
    if not request.htmx:
        messages.success(request, f"Incident #{number}: escalated to the next level.")
    return _after_change(request, number, "incident-actions")


@require_POST
@ui_view
def incident_severity(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = SeverityForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.incident_change_severity(
        incident=incident,
        severity=form.cleaned_data["severity"],
        actor=request.user,
        source=Source.WEB,
    )
    return _after_change(request, number, "incident-actions")


@require_POST
@ui_view
def incident_role_assign(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = RoleAssignForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    data = form.cleaned_data
    services.incident_assign_role(
        incident=incident,
        role=data["role"],
        kind=data["kind"],
        user=request.user if data["me"] else data["user"],
        actor=request.user,
        source=Source.WEB,
    )
    return _after_change(request, number, "incident-roles")


@require_POST
@ui_view
def incident_role_unassign(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = RoleUnassignForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.incident_unassign_role(
        incident=incident,
        role=form.cleaned_data["role"],
        kind=form.cleaned_data["kind"],
        actor=request.user,
        source=Source.WEB,
    )
    return _after_change(request, number, "incident-roles")


@require_POST
@ui_view
def incident_note(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.incident_add_note(
        incident=incident, text=form.cleaned_data["text"], actor=request.user, source=Source.WEB
    )
    return _after_change(request, number, "note-form")


@require_POST
@ui_view
def incident_update_post(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_action(request, number)
    form = StakeholderUpdateForm(request.POST)
    if not form.is_valid():
        raise _invalid(form)
    services.incident_post_stakeholder_update(
        incident=incident, actor=request.user, source=Source.WEB, **form.cleaned_data
    )
    if not request.htmx:
        messages.success(request, "Stakeholder update posted.")
    return _after_change(request, number, "update-composer")
