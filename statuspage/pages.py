"""What the incident page's status-page panel shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from statuspage import selectors, services
from statuspage.forms import PublicUpdateForm, PublishForm
from statuspage.models import Component, Publication, PublicStatus

if TYPE_CHECKING:
    from incidents.pages import IncidentPage

NEXT_STATUS = {
    PublicStatus.INVESTIGATING: PublicStatus.IDENTIFIED,
    PublicStatus.IDENTIFIED: PublicStatus.MONITORING,
    PublicStatus.MONITORING: PublicStatus.RESOLVED,
    PublicStatus.RESOLVED: PublicStatus.RESOLVED,
}


@dataclass
class StatusPagePanel:
    publication: Publication | None
    form: PublishForm | PublicUpdateForm
    templates: list[tuple[str, str]]  # (status label, template text) to copy from


def panel_data(page: IncidentPage) -> StatusPagePanel:
    publication = selectors.publication_for_incident(page.incident)
    if publication is None:
        # Components linked to the incident's services are pre-selected.
        service_ids = {service.pk for service in page.services}
        linked = [c.pk for c in Component.objects.filter(services__in=service_ids).distinct()]
        status = PublicStatus.INVESTIGATING
        components = Component.objects.filter(pk__in=linked)
        form: PublishForm | PublicUpdateForm = PublishForm(
            initial={
                "status": status,
                "components": linked,
                "body": services.update_template(status, components),
            }
        )
    else:
        components = publication.components.all()
        status = NEXT_STATUS[PublicStatus(publication.status)]
        form = PublicUpdateForm(
            initial={"status": status, "body": services.update_template(status, components)}
        )
    templates = [
        (label, services.update_template(value, components))
        for value, label in PublicStatus.choices
    ]
    return StatusPagePanel(publication, form, templates)
