"""What the post-mortem screens and the incident page's panel show, computed in plain Python
(the templates write the markup)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from markupsafe import Markup

from core import clock
from core.template_helpers import duration
from core.ui import request_memo
from incidents.extensions import Badge
from postmortems import selectors
from postmortems.models import (
    ActionItem,
    ActionItemStatus,
    Postmortem,
    PostmortemSection,
    PostmortemStatus,
    Review,
    ReviewDecision,
    is_overdue,
)
from postmortems.rendering import markdown_to_html

if TYPE_CHECKING:
    from incidents.pages import IncidentPage
    from incidents.selectors import IncidentRow

FORMER_MEMBER = "former member"


def person(user) -> str:
    """A person's name as screens show it; a deleted account is a "former member"."""
    if user is None:
        return _(FORMER_MEMBER)
    return user.get_full_name() or user.get_username()


def due_text(postmortem: Postmortem, now: datetime) -> str:
    if postmortem.status == PostmortemStatus.PUBLISHED:
        return _("published")
    if postmortem.due_at is None:
        return _("due once the incident is resolved")
    if postmortem.due_at <= now:
        return _("overdue by %(time)s") % {"time": duration(now - postmortem.due_at)}
    return _("due in %(time)s") % {"time": duration(postmortem.due_at - now)}


# --- the incident page and the board --------------------------------------------------------------


def _postmortem_of(page: IncidentPage) -> Postmortem | None:
    """Read once per request: the panel and the "Start post-mortem" action both need it."""
    return request_memo(
        page.request,
        f"postmortem-of-{page.incident.pk}",
        lambda: selectors.postmortem_of_incident(incident=page.incident),
    )


def postmortem_panel_data(page: IncidentPage) -> dict[str, Any]:
    postmortem = _postmortem_of(page)
    items = selectors.incident_action_items(incident=page.incident)
    now = clock.now()
    return {
        "postmortem": postmortem,
        "due": due_text(postmortem, now) if postmortem else "",
        "overdue": postmortem is not None
        and is_overdue(status=postmortem.status, due_at=postmortem.due_at, now=now),
        "owner": (person(postmortem.owner) if postmortem.owner_id else _("nobody yet"))
        if postmortem
        else "",
        "items": [(item, person(item.owner)) for item in items],
        "can_write": selectors.user_can_write_action_items(page.request.user),
        "today": now.date(),
    }


def can_start(page: IncidentPage) -> bool:
    return _postmortem_of(page) is None


BADGE_CSS = {
    PostmortemStatus.DRAFT: "chip",
    PostmortemStatus.IN_REVIEW: "chip",
    PostmortemStatus.PUBLISHED: "chip chip-ok",
}


def postmortem_badges(rows: Sequence[IncidentRow]) -> Mapping[int, Sequence[Badge]]:
    """One query for all the rows of a board or a list."""
    now = clock.now()
    states = selectors.postmortem_states_for_incidents([row.pk for row in rows])
    badges: dict[int, list[Badge]] = {}
    for incident_id, (status, due_at) in states.items():
        if is_overdue(status=status, due_at=due_at, now=now):
            badge = Badge(_("Post-mortem overdue"), "chip chip-warn", _("Past its due time"))
        else:
            label = dict(PostmortemStatus.choices)[status]
            badge = Badge(
                _("Post-mortem: %(state)s") % {"state": _(label).lower()}, BADGE_CSS[status]
            )
        badges[incident_id] = [badge]
    return badges


# --- the post-mortem page -------------------------------------------------------------------------


@dataclass
class SectionView:
    section: PostmortemSection
    html: Markup
    comments: list[tuple[Any, str]]  # (comment, author name)
    saved_by: str


@dataclass
class PostmortemPage:
    request: HttpRequest
    postmortem: Postmortem
    saved_key: str = ""  # the section just saved: it shows "Saved"
    errors: dict = field(default_factory=dict)

    @cached_property
    def now(self) -> datetime:
        return clock.now()

    @property
    def incident(self):
        return self.postmortem.incident

    @cached_property
    def can_write(self) -> bool:
        return selectors.user_can_write(self.request.user)

    @property
    def editing(self) -> bool:
        return self.can_write and self.postmortem.is_editable

    @cached_property
    def sections(self) -> list[SectionView]:
        return [section_view(s) for s in selectors.postmortem_sections(postmortem=self.postmortem)]

    def section(self, key: str) -> SectionView:
        return next(view for view in self.sections if view.section.key == key)

    @cached_property
    def timeline(self) -> list:
        return list(selectors.timeline_entries(postmortem=self.postmortem))

    @cached_property
    def reviews(self) -> list[tuple[Review, str]]:
        reviews = self.postmortem.reviews.select_related("reviewer")
        return [(review, person(review.reviewer)) for review in reviews]

    @cached_property
    def my_review(self) -> Review | None:
        return next((r for r, _name in self.reviews if r.reviewer_id == self.request.user.pk), None)

    @property
    def approved(self) -> bool:
        return any(r.decision == ReviewDecision.APPROVED for r, _name in self.reviews)

    @cached_property
    def items(self) -> list[tuple[ActionItem, str]]:
        items = ActionItem.objects.filter(incident_id=self.postmortem.incident_id).select_related(
            "owner"
        )
        return [(item, person(item.owner)) for item in items.order_by("id")]

    @cached_property
    def people(self) -> list:
        return list(selectors.responders())

    @property
    def due(self) -> str:
        return due_text(self.postmortem, self.now)

    @property
    def overdue(self) -> bool:
        return is_overdue(
            status=self.postmortem.status, due_at=self.postmortem.due_at, now=self.now
        )

    @property
    def owner_name(self) -> str:
        return person(self.postmortem.owner) if self.postmortem.owner_id else _("nobody yet")

    @cached_property
    def csrf_field(self) -> SafeString:
        """One hidden CSRF field for the page's many small forms."""
        return csrf_input(self.request)

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"postmortems:{name}", args=(self.postmortem.pk, *args))

    def context(self) -> dict[str, Any]:
        return {
            "page": self,
            "postmortem": self.postmortem,
            "item_statuses": ActionItemStatus.choices,
        }


def section_view(section: PostmortemSection) -> SectionView:
    comments = [(c, person(c.author)) for c in section.comments.all()]
    saved_by = person(section.updated_by) if section.updated_by_id else ""
    return SectionView(section, markdown_to_html(section.body), comments, saved_by)


# --- a person's own page ------------------------------------------------------------------------


def my_work_context(request: HttpRequest) -> dict[str, Any] | None:
    """My account: my open action items and the unpublished post-mortems I own or review."""
    user = request.user
    if not selectors.user_can_view(user):
        return None
    now = clock.now()
    items = selectors.action_item_list(
        user=user,
        filters=selectors.ActionItemFilters(
            owner_usernames=(user.get_username(),), statuses=("open", "in_progress")
        ),
    )[:50]
    postmortems = [
        (pm, due_text(pm, now), is_overdue(status=pm.status, due_at=pm.due_at, now=now))
        for pm in selectors.postmortems_of_person(user=user)
    ]
    return {"items": list(items), "postmortems": postmortems, "today": now.date()}
