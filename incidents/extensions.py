"""Extension points of the incident screens, for the apps that build on incidents.

An app that shows something on the incident page or the board registers it here from its
`AppConfig.ready()`; incidents never imports those apps. Each extension has a `name` that is
also the element id (and, for panels, the region name and `hx-target`). docs/ui.md shows an
example of each.

- `incident_panels`: a panel of the incident page (the alerts, the escalation, a post-mortem).
  It refreshes itself on every `incident-changed` and is served alone at
  `/incidents/<n>/parts/<name>/`.
- `incident_actions`: a button among the incident page's actions ("Escalate now"), posting to
  the owning app's view, which answers with `incidents.pages.incident_changed_response`.
- `incident_badges`: small labels on the board's cards and the list's rows (a post-mortem's
  state), computed for all rows of a screen at once.
- `board_columns`: a column of the board after the status columns (e.g. resolved incidents
  whose post-mortem is due), with the board's own cards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from core.ui import Registry

if TYPE_CHECKING:
    from incidents.pages import IncidentPage
    from incidents.selectors import IncidentRow


def _shown(page: IncidentPage) -> bool:
    return True


def _no_data(page: IncidentPage) -> Any:
    return None


@dataclass(frozen=True)
class IncidentPanel:
    """A panel of the incident page.

    `template` (Jinja2) renders the whole panel: one element with id `name`, carrying the
    refresh attributes of `{{ region_attrs(page, panel.name) }}` (incidents/macros.html). It sees
    `page` (incidents.pages.IncidentPage: `incident`, `can_respond`, `csrf_field`, …), `incident`,
    `panel` and `data` = `data(page)`. When `visible(page)` is false an empty placeholder with the
    same id stands in, so the panel appears by itself once it applies.
    """

    name: str
    template: str
    data: Callable[[IncidentPage], Any] = _no_data
    visible: Callable[[IncidentPage], bool] = _shown
    column: Literal["main", "side"] = "side"
    order: int = 100


@dataclass(frozen=True)
class IncidentAction:
    """A button of the incident page's actions region: a POST to `url_name` (reversed with the
    incident's number), shown to responders when `visible(page)` holds. `confirm` may use
    `%(number)s`."""

    name: str
    label: str
    url_name: str
    visible: Callable[[IncidentPage], bool]
    css: str = ""
    confirm: str = ""
    order: int = 100


@dataclass(frozen=True)
class Badge:
    text: str
    css: str = ""  # e.g. "chip", "status status-resolved"
    title: str = ""


@dataclass(frozen=True)
class IncidentBadges:
    """Badges for the incidents a screen shows: `badges(rows)` answers {incident id: [Badge]}
    for all of them in a fixed number of queries (the board refreshes every 5 s)."""

    name: str
    badges: Callable[[Sequence[IncidentRow]], Mapping[int, Sequence[Badge]]]
    order: int = 100


@dataclass(frozen=True)
class BoardColumn:
    """A column of the board after the open statuses: `rows(user)` gives its incidents (rows
    of `incidents.selectors.incident_rows_named`), shown as the board's cards."""

    name: str
    label: str
    rows: Callable[[AbstractBaseUser], Sequence[IncidentRow]]
    order: int = 100


@dataclass(frozen=True)
class BoardNotice:
    """A notice above the board's columns (e.g. set-up's first-run checklist): `context(request)`
    returns what `template` shows as `data`, or None to show nothing. Rendered with the whole
    page only, not with the board's 5-second refreshes."""

    name: str
    template: str
    context: Callable[[HttpRequest], Any]
    order: int = 100


incident_panels: Registry[IncidentPanel] = Registry("Incident page panel")
incident_actions: Registry[IncidentAction] = Registry("Incident page action")
incident_badges: Registry[IncidentBadges] = Registry("Incident badges")
board_columns: Registry[BoardColumn] = Registry("Board column")
board_notices: Registry[BoardNotice] = Registry("Board notice")
