from __future__ import annotations

import pytest

from incidents.models import IncidentStatus, Source
from postmortems import services
from postmortems.models import ActionItem, Postmortem
from tests.api import assert_error, client_for
from tests.postmortems.conftest import declare, resolve


@pytest.fixture
def incident(busy_incident):
    return busy_incident


def test_a_responder_starts_the_postmortem_once(responder, incident):
    api = client_for(responder)
    answer = api.post(f"/api/v1/incidents/{incident.number}/postmortem/", {}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["incident"] == incident.number
    assert body["status"] == "draft"
    assert body["owner"] == "rita-responder"
    assert [s["key"] for s in body["sections"]][:3] == ["summary", "timeline", "impact"]
    assert body["timeline"][0]["source_event"] is not None
    again = api.post(f"/api/v1/incidents/{incident.number}/postmortem/", {}, format="json")
    assert_error(again, 409)
    got = api.get(f"/api/v1/incidents/{incident.number}/postmortem/")
    assert got.json()["id"] == body["id"]


def test_bad_input_is_400_with_field_errors(responder, incident):
    api = client_for(responder)
    assert_error(
        api.post(
            f"/api/v1/incidents/{incident.number}/postmortem/", {"owner": "nobody"}, format="json"
        ),
        400,
        "owner",
    )
    assert_error(
        api.post(f"/api/v1/incidents/{incident.number}/postmortem/", {"ownr": "x"}, format="json"),
        400,
        "ownr",
    )
    assert_error(
        api.post("/api/v1/action-items/", {"incident": incident.number}, format="json"),
        400,
        "title",
    )
    assert_error(api.get("/api/v1/postmortems/?status=finished"), 400, "status")
    assert_error(api.get("/api/v1/action-items/?overdue=maybe"), 400, "overdue")


def test_viewers_read_but_get_403_on_writes_and_outsiders_404(
    responder, viewer, outsider, incident
):
    postmortem = services.postmortem_create(incident=incident, actor=responder, source=Source.WEB)
    api = client_for(viewer)
    assert api.get(f"/api/v1/postmortems/{postmortem.pk}/").status_code == 200
    assert api.get("/api/v1/postmortems/").json()["count"] == 1
    assert_error(
        api.put(
            f"/api/v1/postmortems/{postmortem.pk}/sections/summary/",
            {"body": "x", "base_version": 1},
            format="json",
        ),
        403,
    )
    assert_error(
        api.post(
            "/api/v1/action-items/",
            {"incident": incident.number, "title": "x", "owner": "victor-viewer"},
            format="json",
        ),
        403,
    )
    outsider_api = client_for(outsider)
    assert_error(outsider_api.get(f"/api/v1/postmortems/{postmortem.pk}/"), 404)


def test_the_whole_workflow_over_the_api(responder, other_responder, incident):
    author, reviewer = client_for(responder), client_for(other_responder)
    pm = author.post(f"/api/v1/incidents/{incident.number}/postmortem/", {}, format="json").json()
    saved = author.put(
        f"/api/v1/postmortems/{pm['id']}/sections/summary/",
        {"body": "Checkout failed", "base_version": 1},
        format="json",
    )
    assert saved.json()["version"] == 2
    stale = reviewer.put(
        f"/api/v1/postmortems/{pm['id']}/sections/summary/",
        {"body": "Other", "base_version": 1},
        format="json",
    )
    assert_error(stale, 409, "base_version")
    submitted = author.post(
        f"/api/v1/postmortems/{pm['id']}/submit/",
        {"reviewers": ["ron-responder"]},
        format="json",
    )
    assert submitted.json()["status"] == "in_review"
    assert_error(author.post(f"/api/v1/postmortems/{pm['id']}/publish/", {}, format="json"), 409)
    assert_error(
        reviewer.post(
            f"/api/v1/postmortems/{pm['id']}/review/",
            {"decision": "request_changes"},
            format="json",
        ),
        400,
        "note",
    )
    approved = reviewer.post(
        f"/api/v1/postmortems/{pm['id']}/review/", {"decision": "approve"}, format="json"
    )
    assert approved.json()["reviews"][0]["decision"] == "approved"
    published = author.post(f"/api/v1/postmortems/{pm['id']}/publish/", {}, format="json")
    assert published.json()["status"] == "published"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    reopened = author.post(
        f"/api/v1/postmortems/{pm['id']}/reopen/", {"reason": "New finding"}, format="json"
    )
    assert reopened.json()["status"] == "draft"
    assert reopened.json()["reopen_count"] == 1


def test_action_items_create_update_and_filter(responder, other_responder, incident):
    api = client_for(responder)
    created = api.post(
        "/api/v1/action-items/",
        {
            "incident": incident.number,
            "title": "Add a canary",
            "owner": "ron-responder",
            "due_date": "2026-01-05",
            "priority": "high",
            "ticket_url": "https://tracker.example/T-1",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["owner"] == "ron-responder"
    assert item["postmortem"] is None
    other = resolve(declare(responder, rank=3, title="Other"))
    api.post(
        "/api/v1/action-items/",
        {"incident": other.number, "title": "Docs", "owner": "rita-responder"},
        format="json",
    )
    listed = api.get("/api/v1/action-items/?owner=ron-responder").json()
    assert [i["title"] for i in listed["results"]] == ["Add a canary"]
    assert api.get("/api/v1/action-items/?overdue=true").json()["count"] == 1  # due 2026-01-05
    changed = api.patch(f"/api/v1/action-items/{item['id']}/", {"status": "done"}, format="json")
    assert changed.json()["status"] == "done"
    assert changed.json()["completed_at"] is not None
    assert api.get("/api/v1/action-items/?overdue=true").json()["count"] == 0
    assert_error(
        api.patch(f"/api/v1/action-items/{item['id']}/", {"status": "finished"}, format="json"),
        400,
        "status",
    )
    assert_error(
        api.patch(
            f"/api/v1/action-items/{item['id']}/", {"ticket_url": "javascript:x"}, format="json"
        ),
        400,
        "ticket_url",
    )
    assert ActionItem.objects.count() == 2


def test_postmortem_list_filters(responder, incident):
    services.postmortem_create(incident=incident, actor=responder, source=Source.WEB)
    resolve(declare(responder, rank=1, title="Search is slow"))
    api = client_for(responder)
    assert api.get("/api/v1/postmortems/").json()["count"] == 2
    assert [r["title"] for r in api.get("/api/v1/postmortems/?severity=1").json()["results"]] == [
        "Search is slow"
    ]
    assert api.get("/api/v1/postmortems/?author=rita-responder").json()["count"] == 1
    assert Postmortem.objects.count() == 2


def test_the_openapi_schema_documents_the_endpoints(responder):
    from django.test import Client

    client = Client()
    client.force_login(responder)
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/incidents/{number}/postmortem/",
        "/api/v1/postmortems/",
        "/api/v1/postmortems/{id}/sections/{key}/",
        "/api/v1/action-items/",
        "/api/v1/action-items/{id}/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/action-items/"]
    assert "patch" in schema["paths"]["/api/v1/action-items/{id}/"]
