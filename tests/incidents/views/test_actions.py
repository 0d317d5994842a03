"""Actions on an incident (incidents/views/actions.py), for every actor, htmx and plain."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import IncidentStatus, Role, Source, TimelineEvent
from tests.factories import severity
from tests.ui import HTMX, htmx
from tests.ui import incident_url as _url

POSTS = [
    ("transition", ("acknowledge",), {}),
    ("severity", (), {"severity": "SEV1"}),
    ("role_assign", (), {"role": "commander", "kind": "primary", "me": "1"}),
    ("role_unassign", (), {"role": "commander", "kind": "primary"}),
    ("note", (), {"text": "hello"}),
    ("update", (), {"body": "All fine"}),
]


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_viewers_are_refused_every_action_with_403(client, incident, viewer, name, args, data):
    client.force_login(viewer)
    before = TimelineEvent.objects.count()
    assert client.post(_url(name, incident, *args), data).status_code == 403
    assert client.post(_url(name, incident, *args), data, **HTMX).status_code == 403
    assert TimelineEvent.objects.count() == before


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_outsiders_are_refused_every_action_with_404(client, incident, outsider, name, args, data):
    client.force_login(outsider)
    assert client.post(_url(name, incident, *args), data).status_code == 404


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_anonymous_actions_redirect_to_login(client, incident, name, args, data):
    response = client.post(_url(name, incident, *args), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_actions_refuse_get(client, incident, responder):
    client.force_login(responder)
    assert client.get(_url("transition", incident, "acknowledge")).status_code == 405


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("acknowledge", IncidentStatus.ACKNOWLEDGED),
        ("mitigate", IncidentStatus.MITIGATED),
        ("resolve", IncidentStatus.RESOLVED),
    ],
)
def test_an_action_returns_the_actions_region_and_tells_the_others(
    client, incident, responder, action, status
):
    client.force_login(responder)
    response = client.post(_url("transition", incident, action), **htmx("incident_actions"))
    assert response.status_code == 200
    assert 'id="incident_actions"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {
        "incident-changed": {"region": "incident_actions"}
    }
    incident.refresh_from_db()
    assert incident.status == status


def test_without_javascript_an_action_redirects_back_to_the_incident(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 302
    assert response["Location"] == _url("detail", incident)


def test_close_and_reopen_follow_resolve(client, incident, responder):
    client.force_login(responder)
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.post(_url("transition", incident, "reopen"), {"note": "Came back"}, **HTMX)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED
    assert TimelineEvent.objects.filter(kind="incident.reopened", message="Came back").exists()
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.post(_url("transition", incident, "close"), **HTMX)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_an_unknown_action_is_404(client, incident, responder):
    client.force_login(responder)
    assert client.post(_url("transition", incident, "explode")).status_code == 404


def test_an_illegal_transition_is_a_409_with_the_services_message_in_the_error_region(
    client, incident, responder
):
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"), **htmx("incident_actions"))
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#flash"
    assert response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert f"Incident #{incident.number} is resolved; it cannot be acknowledged" in html
    assert "HX-Trigger" not in response


def test_an_illegal_transition_without_javascript_is_a_409_page_with_the_message(
    client, incident, responder
):
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "is resolved; it cannot be acknowledged" in html
    assert "<html" in html


def test_changing_severity_records_it(client, incident, responder):
    client.force_login(responder)
    response = client.post(
        _url("severity", incident), {"severity": severity(1).pk}, **htmx("incident_actions")
    )
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.severity == severity(1)


def test_a_bad_severity_is_a_400_with_a_message(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("severity", incident), {"severity": "x"}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#flash"


def test_taking_and_assigning_roles_in_one_click(client, incident, responder, other_responder):
    client.force_login(responder)
    response = client.post(
        _url("role_assign", incident),
        {"role": "tech", "kind": "primary", "me": "1"},
        **htmx("incident_roles"),
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["incident-changed"]["region"] == "incident_roles"
    client.post(
        _url("role_assign", incident),
        {"role": "commander", "kind": "secondary", "user": other_responder.pk},
        **htmx("incident_roles"),
    )
    held = {
        (a.role.slug, a.kind): a.user
        for a in incident.assignments.filter(ended_at__isnull=True).select_related("role")
    }
    assert held[("tech", "primary")] == responder
    assert held[("commander", "secondary")] == other_responder
    client.post(_url("role_unassign", incident), {"role": "tech", "kind": "primary"}, **HTMX)
    assert not incident.assignments.filter(
        role=Role.objects.get(slug="tech"), ended_at__isnull=True
    ).exists()


def test_person_pickers_list_responders_escaped_with_the_holder_selected(
    client, incident, responder, other_responder
):
    other_responder.first_name, other_responder.last_name = "<i>Ron</i>", "R"
    other_responder.save()
    services.incident_assign_role(
        incident=incident,
        role=Role.objects.get(slug="tech"),
        user=other_responder,
        actor=responder,
        source=Source.WEB,
    )
    client.force_login(responder)
    html = client.get(_url("region", incident, "incident_roles")).content.decode()
    ron = f'<option value="{other_responder.pk}" selected>&lt;i&gt;Ron&lt;/i&gt; R</option>'
    assert html.count(ron) == 1  # the Technical Lead's primary slot
    assert html.count(f'<option value="{other_responder.pk}">&lt;i&gt;Ron') == 7
    assert f'<option value="{responder.pk}">{responder.username}</option>' in html
    assert "<i>Ron</i>" not in html


def test_assigning_a_role_to_nobody_is_a_400(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("role_assign", incident), {"role": "tech", "kind": "primary"})
    assert response.status_code == 400
    assert "Choose who takes the role." in response.content.decode()


def test_a_note_returns_an_empty_note_form_and_refreshes_the_timeline(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("note", incident), {"text": "Rolled back"}, **htmx("note_form"))
    html = response.content.decode()
    assert 'id="note_form"' in html
    assert "Rolled back" not in html
    assert json.loads(response["HX-Trigger"])["incident-changed"]["region"] == "note_form"
    assert TimelineEvent.objects.filter(kind="incident.note_added", message="Rolled back").exists()


def test_an_empty_note_is_a_400(client, incident, responder):
    client.force_login(responder)
    assert client.post(_url("note", incident), {"text": ""}, **HTMX).status_code == 400


def test_posting_a_stakeholder_update_returns_a_fresh_composer(client, incident, responder):
    client.force_login(responder)
    response = client.post(
        _url("update", incident),
        {"body": "We are on it", "impact": "EU card payments", "eta": "30m"},
        **htmx("update_composer"),
    )
    assert response.status_code == 200
    assert "Status: Triggered" in response.content.decode()
    update = incident.stakeholder_updates.get()
    # The Impact and ETA typed beside the message are in the text stakeholders read.
    assert (update.body, update.impact, update.eta) == (
        "We are on it\nImpact: EU card payments\nETA: 30m",
        "EU card payments",
        "30m",
    )
