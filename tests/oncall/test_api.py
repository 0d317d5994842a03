"""REST API v1 for on-call: who is on call (now, ?at=), schedules and layers, overrides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from core import clock
from oncall.models import Override, Schedule
from tests.api import assert_error, client_for
from tests.factories import UserFactory

MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(defaults):
    group = Group.objects.get(name="Responder")
    ann, bob = (UserFactory(username=n, first_name=n.title()) for n in ("ann", "bob"))
    for user in (ann, bob):
        user.groups.add(group)
    return ann, bob


@pytest.fixture
def payments(admin_user, people):
    api = client_for(admin_user)
    created = api.post(
        "/api/v1/schedules/", {"name": "Payments", "time_zone": "Europe/Berlin"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created["Location"].endswith("/api/v1/schedules/payments/")
    layer = {
        "layer": 1,
        "shift_kind": "daily",
        "start_date": "2026-03-02",
        "handoff_time": "09:00",
        "participants": ["ann", "bob"],
        "weekdays": [0, 1, 2, 3, 4],
    }
    response = api.post("/api/v1/schedules/payments/rotations/", layer, format="json")
    assert response.status_code == 201, response.content
    return Schedule.objects.get(slug="payments")


def test_who_is_on_call_now_and_at_a_given_time(payments, responder, viewer):
    with clock.frozen_at(MONDAY_NOON):
        now = client_for(viewer).get("/api/v1/oncall/")
    assert now.status_code == 200
    row = next(r for r in now.json() if r["schedule"]["slug"] == "payments")
    assert row["user"] == {"id": row["user"]["id"], "username": "ann", "name": "Ann"}
    assert (row["layer"], row["is_override"]) == (1, False)
    assert row["until"] == "2026-03-03T08:00:00Z"  # Tuesday 09:00 in Berlin
    later = client_for(responder).get("/api/v1/oncall/", {"at": "2026-03-03T12:00:00Z"})
    row = next(r for r in later.json() if r["schedule"]["slug"] == "payments")
    assert row["user"]["username"] == "bob"
    saturday = client_for(responder).get("/api/v1/oncall/", {"at": "2026-03-07T12:00:00Z"})
    row = next(r for r in saturday.json() if r["schedule"]["slug"] == "payments")
    assert row["user"] is None  # weekdays only


def test_a_bad_moment_and_an_unknown_parameter_are_400s(payments, responder):
    assert_error(client_for(responder).get("/api/v1/oncall/", {"at": "tuesday"}), 400, "at")
    body = assert_error(client_for(responder).get("/api/v1/oncall/", {"when": "now"}), 400, "when")
    assert "Allowed: at, page, page_size" in body["message"]


def test_schedules_are_read_by_everyone_with_access_and_written_by_admins(
    payments, responder, viewer, outsider
):
    listing = client_for(viewer).get("/api/v1/schedules/")
    assert listing.status_code == 200
    found = next(s for s in listing.json()["results"] if s["slug"] == "payments")
    [rotation] = found["rotations"]
    assert rotation["participants"] == ["ann", "bob"]
    assert rotation["weekdays"] == [0, 1, 2, 3, 4]
    assert client_for(outsider).get("/api/v1/schedules/").status_code == 403
    assert APIClient().get("/api/v1/schedules/").status_code in (401, 403)
    for user in (responder, viewer):
        api = client_for(user)
        assert api.post("/api/v1/schedules/", {"name": "X"}, format="json").status_code == 403
        assert (
            api.patch("/api/v1/schedules/payments/", {"name": "Y"}, format="json").status_code
            == 403
        )
        url = f"/api/v1/schedules/payments/rotations/{rotation['id']}/"
        assert api.delete(url).status_code == 403
    assert Schedule.objects.filter(slug="payments", name="Payments").exists()


def test_an_admin_renames_a_schedule_and_replaces_a_layer(payments, admin_user):
    api = client_for(admin_user)
    renamed = api.patch("/api/v1/schedules/payments/", {"name": "Payments EU"}, format="json")
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["time_zone"]) == ("Payments EU", "Europe/Berlin")
    rotation = payments.rotations.get()
    layer = {
        "layer": 1,
        "shift_kind": "weekly",
        "start_date": "2026-03-02",
        "participants": ["bob"],
    }
    replaced = api.put(f"/api/v1/schedules/payments/rotations/{rotation.pk}/", layer, format="json")
    assert replaced.status_code == 200
    assert replaced.json()["participants"] == ["bob"]
    assert replaced.json()["weekdays"] == []
    unknown = {**layer, "participants": ["nobody"]}
    assert_error(
        api.put(f"/api/v1/schedules/payments/rotations/{rotation.pk}/", unknown, format="json"),
        400,
        "participants",
    )
    assert_error(
        api.patch("/api/v1/schedules/payments/", {"time_zone": "Nowhere/City"}, format="json"),
        400,
        "time_zone",
    )


def test_overrides_are_listed_added_by_responders_and_deleted_by_admins(
    payments, responder, admin_user, viewer
):
    body = {"user": "bob", "start_at": "2026-03-02T12:00:00Z", "end_at": "2026-03-02T14:00:00Z"}
    assert (
        client_for(viewer)
        .post("/api/v1/schedules/payments/overrides/", body, format="json")
        .status_code
        == 403
    )
    added = client_for(responder).post("/api/v1/schedules/payments/overrides/", body, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["user"]["username"] == "bob"
    listing = client_for(viewer).get(
        "/api/v1/schedules/payments/overrides/", {"after": "2026-03-02T00:00:00Z"}
    )
    assert [o["id"] for o in listing.json()["results"]] == [added.json()["id"]]
    at = client_for(viewer).get("/api/v1/oncall/", {"at": "2026-03-02T13:00:00Z"}).json()
    row = next(r for r in at if r["schedule"]["slug"] == "payments")
    assert (row["user"]["username"], row["is_override"]) == ("bob", True)
    backwards = {**body, "end_at": "2026-03-02T11:00:00Z"}
    assert_error(
        client_for(responder).post(
            "/api/v1/schedules/payments/overrides/", backwards, format="json"
        ),
        400,
    )
    url = f"/api/v1/schedules/payments/overrides/{added.json()['id']}/"
    assert client_for(responder).delete(url).status_code == 403
    assert client_for(admin_user).delete(url).status_code == 204
    assert not Override.objects.exists()
    assert client_for(admin_user).get("/api/v1/schedules/nope/overrides/").status_code == 404
