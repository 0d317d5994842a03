"""The moderation REST API: each action works for moderators and is refused to responders,
viewers and outsiders (403) and to anonymous callers (401)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from moderation.models import Decision, Item, Suspension
from tests.api import assert_error, client_for
from tests.moderation.conftest import open_item

P = "/api/v1/moderation"


def _actions(item: Item, suspension: Suspension | None = None, delivery_id: int = 0):
    return [
        ("get", f"{P}/items/", None),
        ("get", f"{P}/items/{item.pk}/", None),
        ("post", f"{P}/items/{item.pk}/claim/", None),
        ("delete", f"{P}/items/{item.pk}/claim/", None),
        ("post", f"{P}/items/next/", {}),
        ("post", f"{P}/items/{item.pk}/decisions/", {"action": "approve"}),
        ("post", f"{P}/decisions/bulk/", {"action": "approve", "item_ids": [item.pk]}),
        ("get", f"{P}/decisions/", None),
        ("get", f"{P}/suspensions/", None),
        ("post", f"{P}/suspensions/{suspension.pk if suspension else 1}/lift/", {"reason": "x"}),
        ("get", f"{P}/deliveries/", None),
        ("post", f"{P}/deliveries/{delivery_id or 1}/retry/", None),
    ]


@pytest.mark.parametrize("who", ["responder", "viewer", "outsider"])
def test_people_who_are_not_moderators_are_refused_every_action(request, who):
    user = request.getfixturevalue(who)
    item = open_item()
    client = client_for(user)
    for method, url, body in _actions(item):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (403, 404), (method, url, response.status_code)
        if response.status_code == 404:  # the object is hidden, not merely unavailable
            assert_error(response, 404)
    assert Item.objects.get(pk=item.pk).status == "open"
    assert not Decision.objects.exists()


def test_anonymous_callers_get_401(defaults):
    item = open_item()
    for method, url, body in _actions(item):
        response = getattr(APIClient(), method)(url, body, format="json")
        assert response.status_code == 401, (method, url)


def test_a_moderator_claims_decides_and_lifts_through_the_api(moderator):
    item = open_item()
    client = client_for(moderator)
    assert client.post(f"{P}/items/{item.pk}/claim/").json()["claimed_by"] == "mona-moderator"
    listing = client.get(f"{P}/items/").json()
    assert listing["count"] == 1
    response = client.post(
        f"{P}/items/{item.pk}/decisions/",
        {"action": "suspend", "reason": "spam", "days": 2},
        format="json",
    )
    assert response.status_code == 201, response.content
    [suspension] = client.get(f"{P}/suspensions/").json()
    lifted = client.post(
        f"{P}/suspensions/{suspension['id']}/lift/", {"reason": "mistake"}, format="json"
    )
    assert lifted.status_code == 200
    assert lifted.json()["lift_reason"] == "mistake"
    assert client.get(f"{P}/decisions/").json()[0]["action"] == "suspend"
    assert client.get(f"{P}/deliveries/").json()[0]["event"] in {
        "decision.created",
        "user.unsuspended",
    }


def test_deciding_twice_is_a_409_and_a_bad_policy_a_400(moderator):
    item = open_item()
    client = client_for(moderator)
    assert_error(
        client.post(
            f"{P}/items/{item.pk}/decisions/",
            {"action": "remove", "reason": "x", "policy": "nope"},
            format="json",
        ),
        400,
        "policy",
    )
    assert_error(
        client.post(f"{P}/items/{item.pk}/decisions/", {"action": "remove"}, format="json"),
        400,
        "reason",
    )
    assert (
        client.post(
            f"{P}/items/{item.pk}/decisions/", {"action": "approve"}, format="json"
        ).status_code
        == 201
    )
    assert_error(
        client.post(f"{P}/items/{item.pk}/decisions/", {"action": "approve"}, format="json"), 409
    )


def test_next_item_answers_204_when_the_queue_is_empty(moderator):
    assert client_for(moderator).post(f"{P}/items/next/", {}, format="json").status_code == 204


def test_the_openapi_document_lists_the_moderation_endpoints(moderator):
    schema = client_for(moderator).get("/api/schema/?format=json").json()
    assert "/api/v1/moderation/reports/" in schema["paths"]
    assert "/api/v1/moderation/items/{item_id}/decisions/" in schema["paths"]


def test_the_platform_appeals_a_decision_once(moderator, platform_client):
    item = open_item()
    decision = (
        client_for(moderator)
        .post(
            f"{P}/items/{item.pk}/decisions/", {"action": "warn", "message": "stop"}, format="json"
        )
        .json()
    )
    body = {"decision_id": decision["id"], "appeal_id": "a-1", "text": "I did nothing"}
    first = platform_client.post(f"{P}/appeals/", body, format="json")
    assert first.status_code == 201
    again = platform_client.post(f"{P}/appeals/", body, format="json")
    assert again.status_code == 200
    assert again.json()["item_id"] == first.json()["item_id"]
    assert Item.objects.get(pk=first.json()["item_id"]).appeal_of_id == decision["id"]
    missing = platform_client.post(f"{P}/appeals/", {**body, "decision_id": 999999}, format="json")
    assert_error(missing, 404, "decision_id")
