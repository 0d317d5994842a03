"""`/incident postmortem` and the published post-mortem's link in the incident's channel."""

from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.models import Source
from postmortems import services
from postmortems.models import Postmortem
from tests.slack.conftest import RITA, VICTOR
from tests.slack.helpers import declare, link, with_channel


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
