"""What the incident page's status-page panel shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from statuspage import selectors, services
from statuspage.forms import PublicUpdateForm, PublishForm
from statuspage.models import Publication, PublicStatus

if TYPE_CHECKING:
    from incidents.pages import IncidentPage


@dataclass
class StatusPagePanel:
    publication: Publication | None
    form: PublishForm | PublicUpdateForm
    templates: list[tuple[str, str]]  # (status label, template text) to copy from


def panel_data(page: IncidentPage) -> StatusPagePanel:
    publication = selectors.publication_for_incident(page.incident)
    status = selectors.suggested_public_status(page.incident, publication)
    if publication is None:
        # Components linked to the incident's services are pre-selected.
        components = selectors.components_linked_to(page.services)
        linked = [component.pk for component in components]
        form: PublishForm | PublicUpdateForm = PublishForm(
            initial={
                "status": status,
                "components": linked,
                "body": services.update_template(status, components),
            }
        )
    else:
        components = publication.components.all()
        form = PublicUpdateForm(
            initial={"status": status, "body": services.update_template(status, components)}
        )
    templates = [
        (label, services.update_template(value, components))
        for value, label in PublicStatus.choices
    ]
    return StatusPagePanel(publication, form, templates)
