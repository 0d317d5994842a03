"""`/incident postmortem` and the published post-mortem's link in the incident's channel."""

from __future__ import annotations

import json

import pytest

from alerts.services import integration_create
from incidents import services as incident_services
from incidents.models import Incident, Role, Source, TimelineEvent
from integrations.slack.models import IncidentChannel
from postmortems import services
from postmortems.models import Postmortem, TimelineEntry
from tests.alerts.conftest import fixture_body
from tests.factories import ServiceFactory, severity
from tests.oncall.conftest import policy_of
from tests.slack.conftest import RITA, VICTOR
from tests.slack.helpers import declare, link, with_channel
from tests.slack.test_pins import reaction


@pytest.fixture
def rita(slack, responder):
    link(RITA, responder)
    return responder


def test_postmortem_starts_it_through_the_service_then_links_to_it(slack, rita):
    incident = declare(rita)

    slack.command(f"postmortem #{incident.number}")

    postmortem = Postmortem.objects.get(incident=incident)
    assert (postmortem.owner, postmortem.created_by) == (rita, rita)
    reply = slack.reply()
    assert reply["response_type"] == "in_channel"
    assert "started the post-mortem of" in reply["text"]
    assert f"https://firebell.example.com/postmortems/{postmortem.pk}/" in reply["text"]

    slack.command(f"postmortem #{incident.number}")

    again = slack.reply()
    assert again["response_type"] == "ephemeral"
    assert "is draft" in again["text"]
    assert Postmortem.objects.count() == 1


def test_postmortem_takes_no_other_arguments(slack):
    response = slack.command("postmortem #1 now")
    assert "Usage: `/incident postmortem [#number]" in response.json()["text"]


def test_a_viewer_cannot_start_one(slack, rita, viewer):
    link(VICTOR, viewer)
    declare(rita)

    slack.command("postmortem #1", user=VICTOR)

    assert "permission" in slack.reply()["text"]
    assert not Postmortem.objects.exists()


def test_publishing_posts_the_link_in_the_incidents_channel(slack, rita, other_responder):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    with slack.capture(execute=True):
        incident_services.incident_resolve(incident=incident, actor=rita, source=Source.WEB)
        postmortem = services.postmortem_create(incident=incident, actor=rita, source=Source.WEB)
        services.postmortem_submit(
            postmortem=postmortem, actor=rita, source=Source.WEB, reviewers=[other_responder]
        )
        services.postmortem_review_decide(
            postmortem=postmortem, actor=other_responder, source=Source.WEB, approve=True
        )
    slack.workspace.take("")
    with slack.capture(execute=True):
        services.postmortem_publish(postmortem=postmortem, actor=rita, source=Source.WEB)

    posts = [p["text"] for p in slack.workspace.take("chat.postMessage")]
    url = f"https://firebell.example.com/postmortems/{postmortem.pk}/"
    assert any(url in text and "published" in text for text in posts), posts
    slack.workspace.take("")


def test_the_timeline_is_generated_from_alerts_pages_roles_pins_and_notes(
    slack, rita, other_responder
):
    """A real incident: opened by Alertmanager through the webhook, paged by the escalation
    engine, acknowledged, a role, a note, a Slack pin; the post-mortem copies all of it."""
    service = ServiceFactory(
        slug="api", name="API", escalation_policy=policy_of("API", (0, [rita]))
    )
    _integration, key = integration_create(
        service=service,
        kind="alertmanager",
        name="prod-am",
        actor=None,
        default_severity=severity(2),
    )
    for name in ("02-higherrorrate-firing-2-alerts", "03-higherrorrate-firing-3rd-instance-added"):
        body = json.dumps(fixture_body(f"alertmanager/{name}.json"))
        with slack.capture(execute=True):
            answer = slack.client.post(
                f"/hooks/alertmanager/{key}", data=body, content_type="application/json"
            )
        assert answer.status_code == 202
    incident = Incident.objects.get()
    # Alertmanager's fixture is critical: SEV-1, so Firebell opened the incident's channel.
    channel = IncidentChannel.objects.get(incident=incident).channel_id
    slack.workspace.add_message(channel, "1700000100.000200", "p99 back under 200ms", RITA)
    with slack.capture(execute=True):
        incident_services.incident_acknowledge(incident=incident, actor=rita, source=Source.WEB)
        incident_services.incident_assign_role(
            incident=incident,
            role=Role.objects.get(slug="tech"),
            user=other_responder,
            actor=rita,
            source=Source.WEB,
        )
        incident_services.incident_add_note(
            incident=incident, text="Rolled back", actor=rita, source=Source.WEB
        )
    slack.event(reaction(channel=channel))
    with slack.capture(execute=True):
        incident_services.incident_resolve(incident=incident, actor=rita, source=Source.WEB)
    slack.workspace.take("")
    before = list(TimelineEvent.objects.filter(incident=incident).values_list("id", "message"))

    postmortem = Postmortem.objects.get(incident=incident)  # SEV-1: started on resolution
    entries = TimelineEntry.objects.filter(postmortem=postmortem).select_related("source_event")
    kinds = {entry.source_event.kind for entry in entries}
    assert {
        "incident.declared",
        "incident.alerts_attached",
        "escalation.started",
        "escalation.level_paged",
        "incident.acknowledged",
        "incident.role_assigned",
        "incident.note_added",
        "slack.message_pinned",
        "incident.resolved",
    } <= kinds, kinds
    pin = entries.get(source_event__kind="slack.message_pinned")
    assert "p99 back under 200ms" in pin.text
    assert pin.who == "rita-responder"
    services.timeline_entry_update(entry=pin, actor=rita, text="Latency recovered", is_key=True)
    after = list(
        TimelineEvent.objects.filter(incident=incident, id__in=[i for i, _ in before]).values_list(
            "id", "message"
        )
    )
    assert after == before
