"""Incidents and channels for the Slack tests, made through the same services as production."""

from __future__ import annotations

from incidents import services
from incidents.models import Incident, Source
from integrations.slack.models import IncidentChannel, LinkSource, SlackUserLink
from tests.factories import severity


def declare(actor, title: str = "Checkout is slow", rank: int = 3) -> Incident:
    return services.incident_create(
        title=title, severity=severity(rank), actor=actor, source=Source.WEB, commander=actor
    )


def with_channel(incident: Incident, channel_id: str = "C0INC") -> IncidentChannel:
    return IncidentChannel.objects.create(
        incident=incident, channel_id=channel_id, name=f"inc-{incident.number}"
    )


def link(slack_id: str, user) -> SlackUserLink:
    return SlackUserLink.objects.create(slack_user_id=slack_id, user=user, source=LinkSource.EMAIL)
