"""The incident action endpoints: each calls one service and answers like the others."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from incidents import services
from incidents.models import (
    AssignmentKind,
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Source,
    StakeholderUpdate,
    TimelineEvent,
)
from tests.api import assert_error, client_for
from tests.factories import severity

pytestmark = pytest.mark.django_db
S = IncidentStatus


def declare(actor) -> Incident:
    return services.incident_create(
        title="Checkout returns 500", severity=severity(2), actor=actor, source=Source.WEB
    )


def put_in(incident: Incident, status: str) -> Incident:
    steps = {
        S.TRIGGERED: [],
        S.ACKNOWLEDGED: [services.incident_acknowledge],
        S.RESOLVED: [services.incident_resolve],
        S.CLOSED: [services.incident_resolve, services.incident_close],
    }[status]
    for step in steps:
        incident = step(incident=incident, actor=None, source=Source.SYSTEM)
    return incident


# action, body, a status it works from, the status it leads to, a status it is refused from
TRANSITIONS = [
    ("acknowledge", {}, S.TRIGGERED, S.ACKNOWLEDGED, S.CLOSED),
    ("mitigate", {"message": "Rolled back"}, S.ACKNOWLEDGED, S.MITIGATED, S.RESOLVED),
    ("resolve", {"message": "Fixed"}, S.TRIGGERED, S.RESOLVED, S.CLOSED),
    ("close", {}, S.RESOLVED, S.CLOSED, S.TRIGGERED),
    ("reopen", {"reason": "It is back"}, S.RESOLVED, S.TRIGGERED, S.TRIGGERED),
]
# every write endpoint, with a valid body, for the 403 and 404 checks
WRITES = [
    *[("post", f"{action}/", body) for action, body, *_ in TRANSITIONS],
    ("post", "severity/", {"severity": 1}),
    ("post", "roles/", {"role": "commander", "user": "rita-responder"}),
    ("delete", "roles/commander/", None),
    ("post", "notes/", {"text": "Looking at the logs"}),
    ("post", "updates/", {"body": "We are on it"}),
    ("patch", "", {"title": "Renamed"}),
]


@pytest.mark.parametrize(("action", "body", "start", "end", "_refused"), TRANSITIONS)
def test_each_transition_moves_the_incident_and_records_it_as_from_the_api(
    responder, action, body, start, end, _refused
):
    incident = put_in(declare(responder), start)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/{action}/", body, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == end
    # Other apps may add events of their own (paging, for one), and acknowledging makes the
    # acknowledger commander when there is none (a role event): find the transition's.
    event = (
        TimelineEvent.objects.filter(incident=incident, source=Source.API)
        .exclude(kind__startswith="incident.role_")
        .latest("id")
    )
    assert (event.actor, event.data["from"], event.data["to"]) == (responder, start, end)
    if "message" in body:
        assert event.message == body["message"]
    if "reason" in body:
        assert event.data["reason"] == body["reason"]


@pytest.mark.parametrize(("action", "body", "_start", "_end", "refused"), TRANSITIONS)
def test_an_illegal_transition_is_a_409_with_the_services_message(
    responder, action, body, _start, _end, refused
):
    incident = put_in(declare(responder), refused)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/{action}/", body, format="json"
    )
    error = assert_error(response, 409)
    assert f"Incident #{incident.number} is {refused}" in error["message"]
    assert Incident.objects.get(pk=incident.pk).status == refused


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_viewer_is_refused_every_write_with_403(responder, viewer, method, path, body):
    # Resolved, because reopen checks the state before the permission (a viewer would get 409).
    incident = put_in(declare(responder), S.RESOLVED)
    events = TimelineEvent.objects.filter(incident=incident).count()
    client = client_for(viewer)
    response = getattr(client, method)(
        f"/api/v1/incidents/{incident.number}/{path}", body, format="json"
    )
    assert_error(response, 403)
    assert TimelineEvent.objects.filter(incident=incident).count() == events


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_to_an_unknown_incident_is_a_404(responder, method, path, body):
    response = getattr(client_for(responder), method)(
        f"/api/v1/incidents/4242/{path}", body, format="json"
    )
    assert_error(response, 404)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_is_a_401_without_credentials(responder, method, path, body):
    incident = declare(responder)
    response = getattr(APIClient(), method)(
        f"/api/v1/incidents/{incident.number}/{path}", body, format="json"
    )
    assert_error(response, 401)


def test_an_action_with_an_unknown_field_is_refused(responder):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/acknowledge/", {"message": "hi"}, format="json"
    )
    assert_error(response, 400, "message")
    assert Incident.objects.get(pk=incident.pk).status == S.TRIGGERED


def test_changing_severity_takes_a_name_and_answers_the_incident(responder):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/severity/", {"severity": "SEV-1"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["severity"]["name"] == "SEV-1"
    assert "incident.severity_changed" in [e["kind"] for e in response.json()["timeline"]]


@pytest.mark.parametrize("value", [0, "SEV-7", None, "", {"rank": 1}])
def test_changing_to_an_unknown_severity_is_a_400(responder, value):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/severity/", {"severity": value}, format="json"
    )
    assert_error(response, 400, "severity")


def test_changing_the_severity_of_a_closed_incident_is_a_409(responder):
    incident = put_in(declare(responder), S.CLOSED)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/severity/", {"severity": 1}, format="json"
    )
    assert_error(response, 409)


def test_assigning_roles_primary_and_secondary_shows_on_the_incident(responder, other_responder):
    incident = declare(responder)
    client = client_for(responder)
    url = f"/api/v1/incidents/{incident.number}/roles/"
    first = client.post(url, {"role": "tech", "user": responder.username}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["kind"] == "primary"
    second = client.post(
        url,
        {"role": "tech", "user": other_responder.username, "kind": "secondary"},
        format="json",
    )
    assert second.status_code == 200
    roles = client.get(f"/api/v1/incidents/{incident.number}/").json()["roles"]
    assert {(row["role"]["slug"], row["kind"], row["user"]) for row in roles} == {
        ("tech", "primary", responder.username),
        ("tech", "secondary", other_responder.username),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "chef", "user": "rita-responder"}, "role"),
        ({"role": "tech", "user": "nobody"}, "user"),
        ({"role": "tech", "user": "rita-responder", "kind": "tertiary"}, "kind"),
        ({"user": "rita-responder"}, "role"),
    ],
)
def test_assigning_a_role_with_bad_input_names_the_field(responder, body, field):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/roles/", body, format="json"
    )
    assert_error(response, 400, field)


def test_assigning_a_role_on_a_closed_incident_is_a_409(responder):
    incident = put_in(declare(responder), S.CLOSED)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/roles/",
        {"role": "tech", "user": responder.username},
        format="json",
    )
    assert_error(response, 409)


def test_unassigning_a_role_ends_the_assignment_of_that_kind(responder, other_responder):
    incident = declare(responder)
    tech = Role.objects.get(slug="tech")
    for user, kind in [(responder, "primary"), (other_responder, "secondary")]:
        services.incident_assign_role(
            incident=incident, role=tech, user=user, kind=kind, actor=responder, source="api"
        )
    response = client_for(responder).delete(
        f"/api/v1/incidents/{incident.number}/roles/tech/?kind=secondary"
    )
    assert response.status_code == 204
    current = RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True)
    assert [(a.user, a.kind) for a in current] == [(responder, AssignmentKind.PRIMARY)]


def test_unassigning_an_unknown_role_is_a_404_and_a_bad_kind_a_400(responder):
    incident = declare(responder)
    client = client_for(responder)
    assert_error(client.delete(f"/api/v1/incidents/{incident.number}/roles/chef/"), 404)
    bad_kind = client.delete(f"/api/v1/incidents/{incident.number}/roles/tech/?kind=third")
    assert_error(bad_kind, 400, "kind")


def test_a_note_is_added_to_the_timeline(responder):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/notes/", {"text": "Looking at logs"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "incident.note_added"
    assert response.json()["message"] == "Looking at logs"
    assert response.json()["actor"] == responder.username


@pytest.mark.parametrize("text", ["", "   ", None, ["a list"]])
def test_a_note_without_text_is_a_400(responder, text):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/notes/", {"text": text}, format="json"
    )
    assert_error(response, 400, "text")


def test_a_stakeholder_update_is_posted_with_the_incidents_state(responder):
    incident = put_in(declare(responder), S.ACKNOWLEDGED)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/updates/",
        {"body": "We found the cause", "impact": "Payments fail", "eta": "30 minutes"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["severity"], body["eta"]) == (
        "acknowledged",
        "SEV-2",
        "30 minutes",
    )
    assert StakeholderUpdate.objects.get().created_by == responder


def test_a_stakeholder_update_without_a_body_is_a_400(responder):
    incident = declare(responder)
    response = client_for(responder).post(
        f"/api/v1/incidents/{incident.number}/updates/", {"eta": "soon"}, format="json"
    )
    assert_error(response, 400, "body")
