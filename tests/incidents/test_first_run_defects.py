"""Defects a new user met on the way to a first page (issue 11), each pinned by a test."""

from __future__ import annotations

import html
import json
import re
import subprocess

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.models import IncidentStatus, Role, Source, StakeholderUpdate, TimelineEvent
from oncall.models import Page, PageStatus
from tests.factories import UserFactory, severity
from tests.oncall.conftest import act, declare, person, policy_of
from tests.ui import declare as declare_by
from tests.ui import incident_url as _url

WEB = Source.WEB


@pytest.fixture
def incident(responder):
    return declare_by(responder)


# --- stakeholder updates -------------------------------------------------------------------------


def test_a_stakeholder_update_carries_the_impact_and_eta_typed_beside_it(client, responder):
    incident = declare_by(responder)
    client.force_login(responder)
    body = selectors.stakeholder_update_draft(incident)
    assert "ETA: Under investigation" in body
    response = client.post(
        _url("update", incident),
        {"body": body, "impact": "Checkout fails for 20% of EU customers", "eta": "30 minutes"},
    )
    assert response.status_code == 302
    update = StakeholderUpdate.objects.get()
    assert "Impact: Checkout fails for 20% of EU customers" in update.body
    assert "ETA: 30 minutes" in update.body
    assert "Under investigation" not in update.body
    assert (update.impact, update.eta) == ("Checkout fails for 20% of EU customers", "30 minutes")


def test_impact_and_eta_are_added_to_a_message_that_has_no_such_lines(responder, incident):
    update = services.incident_post_stakeholder_update(
        incident=incident,
        body="We are on it.",
        impact="",
        eta="1 hour",
        actor=responder,
        source=WEB,
    )
    assert update.body == "We are on it.\nETA: 1 hour"


def test_a_resolved_incident_drafts_no_under_investigation_and_a_closed_one_offers_no_draft(
    client, responder, incident
):
    services.incident_resolve(incident=incident, actor=responder, source=WEB)
    incident.refresh_from_db()
    draft = selectors.stakeholder_update_draft(incident)
    assert "Under investigation" not in draft
    assert "ETA: Resolved at" in draft
    services.incident_close(incident=incident, actor=responder, source=WEB)
    client.force_login(responder)
    page = client.get(_url("detail", incident)).content.decode()
    assert 'id="update_composer"' not in page
    assert "Under investigation" not in page


# --- the integration page's test command --------------------------------------------------------


@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "generic", "pagerduty"])
def test_the_test_alert_command_is_one_valid_shell_command_with_the_payload_intact(
    client, admin_user, kind
):
    from alerts.services import integration_create
    from tests.factories import ServiceFactory

    integration, _key = integration_create(
        service=ServiceFactory(), kind=kind, name=f"it-{kind}", actor=None
    )
    client.force_login(admin_user)
    page = client.get(reverse("alerts:integration", args=[integration.pk])).content.decode()
    command = html.unescape(re.search(r'id="test-command">(.*?)</pre>', page, re.S).group(1))
    # bash runs it exactly as a person pasting it would, with `curl` replaced by a function
    # that prints its arguments one per NUL.
    result = subprocess.run(
        ["bash", "-c", 'curl() { printf "%s\\0" "$@"; }\n' + command],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    arguments = result.stdout.split("\0")[:-1]
    assert arguments[:6] == [
        "-sS",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        arguments[5],
    ]
    payload = json.loads(arguments[arguments.index("-d") + 1])
    assert "Firebell" in json.dumps(payload)
    assert 'class="snippet wrap" id="test-command"' in page  # wrapped, not cut off


# --- the incident page ---------------------------------------------------------------------------


def _action_labels(client, incident) -> list[str]:
    region = client.get(_url("region", incident, "incident_actions")).content.decode()
    return [html.unescape(label).strip() for label in re.findall(r"<button[^>]*>([^<]*)<", region)]


def test_a_mitigated_incident_offers_no_acknowledge_but_says_what_going_back_means(
    client, responder, incident
):
    client.force_login(responder)
    assert "Acknowledge" in _action_labels(client, incident)
    services.incident_mitigate(incident=incident, actor=responder, source=WEB)
    labels = _action_labels(client, incident)
    assert "Acknowledge" not in labels
    assert "Not mitigated after all" in labels
    assert "Resolve" in labels


def test_the_timeline_names_people_as_the_panels_do(client, defaults):
    from django.contrib.auth.models import Group

    alice = UserFactory(username="alice", first_name="Alice", last_name="Tester")
    alice.groups.add(Group.objects.get(name="Responder"))
    incident = declare_by(alice, commander=alice)
    client.force_login(alice)
    timeline = client.get(_url("region", incident, "incident_timeline")).content.decode()
    assert "Alice Tester is now Incident Commander" in timeline
    assert "Alice Tester · Web" in timeline
    assert "alice · " not in timeline


def test_cancelled_pages_and_stopped_escalations_say_why_in_words(defaults, responder):
    later = person("lee-later", high=(("email", 5),))
    incident = declare(policy_of("Later", (5, [later])))
    act(services.incident_acknowledge, incident, at=incident.created_at)
    page = Page.objects.get(user=later)
    assert page.status == PageStatus.CANCELLED
    assert page.last_error == "Cancelled: the incident was acknowledged."
    from oncall.selectors import incident_escalation_summary

    act(services.incident_resolve, incident, at=incident.created_at)
    incident.refresh_from_db()
    reason = incident_escalation_summary(incident).reason
    assert reason == "The incident is resolved: nobody more is paged."
    assert "incident." not in reason


# --- whoever acknowledges becomes the commander --------------------------------------------------


def test_whoever_acknowledges_an_incident_without_a_commander_becomes_its_commander(responder):
    incident = services.incident_create(
        title="Disk full", severity=severity(1), actor=None, source=Source.ALERT
    )
    assert selectors.incident_commander(incident) is None
    services.incident_acknowledge(incident=incident, actor=responder, source=WEB)
    assert selectors.incident_commander(incident) == responder
    event = TimelineEvent.objects.get(incident=incident, kind="incident.role_assigned")
    assert (event.actor, event.data["role"]) == (responder, "commander")
    assert TimelineEvent.objects.filter(incident=incident, kind="incident.acknowledged").exists()


def test_acknowledging_keeps_an_existing_commander(responder, other_responder):
    incident = declare_by(responder, commander=responder)
    services.incident_acknowledge(incident=incident, actor=other_responder, source=WEB)
    assert selectors.incident_commander(incident) == responder
    assert (
        TimelineEvent.objects.filter(incident=incident, kind="incident.role_assigned").count() == 1
    )


def test_an_acknowledgement_by_the_system_assigns_nobody(defaults):
    incident = services.incident_create(
        title="Disk full", severity=severity(1), actor=None, source=Source.ALERT
    )
    acknowledged = services.incident_acknowledge(
        incident=incident, actor=None, source=Source.SYSTEM
    )
    assert acknowledged.status == IncidentStatus.ACKNOWLEDGED
    assert Role.objects.filter(slug="commander").exists()
    assert selectors.incident_commander(incident) is None
