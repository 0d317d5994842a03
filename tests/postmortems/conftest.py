from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.models import Incident, Role, Source
from tests.factories import severity


def declare(actor, rank: int = 2, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    return incident_services.incident_create(
        actor=actor, source=Source.WEB, severity=severity(rank), **kwargs
    )


def resolve(incident: Incident, actor=None) -> Incident:
    incident = incident_services.incident_acknowledge(
        incident=incident, actor=actor, source=Source.WEB
    )
    return incident_services.incident_resolve(incident=incident, actor=actor, source=Source.WEB)


@pytest.fixture
def busy_incident(responder, other_responder):
    """A SEV-3 → SEV-4 incident (no automatic post-mortem) with roles, notes, an update and a
    severity change, acknowledged and resolved through the services."""
    incident = declare(responder, rank=3, commander=responder)
    incident_services.incident_assign_role(
        incident=incident,
        role=Role.objects.get(slug="tech"),
        user=other_responder,
        actor=responder,
        source=Source.WEB,
    )
    incident_services.incident_add_note(
        incident=incident, actor=other_responder, source=Source.WEB, text="Rolled back deploy 41"
    )
    incident_services.incident_post_stakeholder_update(
        incident=incident, actor=responder, source=Source.WEB, body="Checkout is failing for some."
    )
    incident_services.incident_change_severity(
        incident=incident, severity=severity(4), actor=responder, source=Source.WEB
    )
    return resolve(incident, responder)
