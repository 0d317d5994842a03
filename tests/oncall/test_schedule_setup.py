"""Schedules set up in the app (/oncall/schedules/new/, layers, swaps): access for the four kinds
of user, a 3-person rotation restricted to weekdays, a DST change, an override inside a swap."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from core import clock
from oncall import selectors
from oncall.models import Override, Rotation, Schedule, ShiftSwap
from tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 3, 2)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def responders(*names: str):
    group = Group.objects.get(name="Responder")
    people = []
    for name in names:
        user = UserFactory(username=name, first_name=name.title())
        user.groups.add(group)
        people.append(user)
    return people


def new_schedule_form(people, **rotation) -> dict[str, str]:
    data = {
        "name": "Payments",
        "time_zone": "Europe/Berlin",
        "description": "",
        "first-name": "Primary",
        "first-layer": "1",
        "first-shift_kind": "daily",
        "first-shift_hours": "",
        "first-start_date": MONDAY.isoformat(),
        "first-handoff_time": "09:00",
    }
    for slot, person in enumerate(people, start=1):
        data[f"first-participant_{slot}"] = str(person.pk)
    data.update({f"first-{key}": value for key, value in rotation.items()})
    return data


def oncall_at(schedule: Schedule, local: datetime):
    user = selectors.schedule_oncall_user(schedule, at=local.replace(tzinfo=BERLIN))
    return user.username if user else None


def test_only_admins_may_open_and_post_the_new_schedule_page(
    admin_user, responder, viewer, outsider
):
    assert login(admin_user).get("/oncall/schedules/new/").status_code == 200
    for user in (responder, viewer, outsider):
        client = login(user)
        assert client.get("/oncall/schedules/new/").status_code == 403
        assert client.post("/oncall/schedules/new/", {"name": "X"}).status_code == 403
    assert Client().get("/oncall/schedules/new/").status_code == 302
    assert not Schedule.objects.filter(name="X").exists()


def test_an_admin_creates_a_three_person_rotation_restricted_to_weekdays(admin_user):
    ann, bob, cat = responders("ann", "bob", "cat")
    form = new_schedule_form([ann, bob, cat])
    form["first-weekdays"] = ["0", "1", "2", "3", "4"]
    response = login(admin_user).post("/oncall/schedules/new/", form)
    assert response.status_code == 302
    schedule = Schedule.objects.get(name="Payments")
    assert response["Location"] == f"/oncall/schedules/{schedule.slug}/"
    rotation = schedule.rotations.get()
    assert rotation.weekdays == "01234"
    assert [p.user.username for p in rotation.participants.all()] == ["ann", "bob", "cat"]
    week = [oncall_at(schedule, datetime(2026, 3, 2 + d, 12, 0)) for d in range(8)]
    # Shifts count on through the weekend (cat has Saturday's, ann Sunday's): silenced there.
    assert week == ["ann", "bob", "cat", "ann", "bob", None, None, "bob"]
    # Before Monday's 09:00 handoff the Sunday shift's holder (silenced) has it: nobody.
    assert oncall_at(schedule, datetime(2026, 3, 9, 8, 0)) == "ann"
    page = login(admin_user).get(f"/oncall/schedules/{schedule.slug}/").content.decode()
    assert "only Mon, Tue, Wed, Thu, Fri" in page


def test_a_bad_new_schedule_is_shown_again_with_what_is_wrong(admin_user):
    (ann,) = responders("ann")
    client = login(admin_user)
    response = client.post("/oncall/schedules/new/", new_schedule_form([], **{}))
    assert response.status_code == 400
    assert "Choose at least one person." in response.content.decode()
    bad_zone = {**new_schedule_form([ann]), "time_zone": "Mars/Olympus"}
    response = client.post("/oncall/schedules/new/", bad_zone, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "is not a time zone" in response.content.decode()
    assert not Schedule.objects.filter(name="Payments").exists()


def test_editing_a_layer_keeps_local_handoffs_across_the_dst_change(admin_user):
    ann, bob = responders("ann", "bob")
    client = login(admin_user)
    form = new_schedule_form([ann, bob], shift_kind="weekly", start_date="2026-03-23")
    assert client.post("/oncall/schedules/new/", form).status_code == 302
    schedule = Schedule.objects.get(name="Payments")
    rotation = schedule.rotations.get()
    edit = {
        f"r{rotation.pk}-{key}": value
        for key, value in {
            "name": "Primary",
            "layer": "1",
            "shift_kind": "weekly",
            "start_date": "2026-03-23",
            "handoff_time": "10:00",
            "participant_1": str(bob.pk),
            "participant_2": str(ann.pk),
        }.items()
    }
    response = client.post(f"/oncall/schedules/{schedule.slug}/layers/{rotation.pk}/", edit)
    assert response.status_code == 302
    rotation.refresh_from_db()
    assert rotation.handoff_time.hour == 10
    # Clocks go forward on Sunday 29 March in Berlin: the handoff stays at 10:00 local,
    # which is 09:00 UTC before the change and 08:00 UTC after it.
    spec = selectors.schedule_spec(schedule)
    from oncall.scheduling import final_shifts

    shifts = final_shifts(spec, datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 4, 7, tzinfo=UTC))
    starts = [s.start_at for s in shifts]
    assert datetime(2026, 3, 30, 8, 0, tzinfo=UTC) in starts
    assert [s.start_at.astimezone(BERLIN).hour for s in shifts] == [10, 10, 10]
    assert oncall_at(schedule, datetime(2026, 3, 30, 9, 59)) == "bob"
    assert oncall_at(schedule, datetime(2026, 3, 30, 10, 0)) == "ann"


def test_a_responder_may_not_change_layers(responder, admin_user):
    (ann,) = responders("ann")
    login(admin_user).post("/oncall/schedules/new/", new_schedule_form([ann]))
    schedule = Schedule.objects.get(name="Payments")
    rotation = schedule.rotations.get()
    client = login(responder)
    assert client.post(f"/oncall/schedules/{schedule.slug}/layers/", {}).status_code == 403
    url = f"/oncall/schedules/{schedule.slug}/layers/{rotation.pk}/delete/"
    assert client.post(url).status_code == 403
    assert Rotation.objects.filter(pk=rotation.pk).exists()


def test_an_override_inside_an_accepted_swap_wins_inside_its_own_window(admin_user):
    ann, bob, cat = responders("ann", "bob", "cat")
    login(admin_user).post("/oncall/schedules/new/", new_schedule_form([ann]))
    schedule = Schedule.objects.get(name="Payments")
    slug = schedule.slug
    local = "%Y-%m-%dT%H:%M"
    start, end = datetime(2026, 3, 10, 9, 0), datetime(2026, 3, 12, 9, 0)
    with clock.frozen_at(datetime(2026, 3, 5, 12, 0, tzinfo=UTC)):
        swap = {
            "swap-user": bob.pk,
            "swap-start_at": start.strftime(local),
            "swap-end_at": end.strftime(local),
            "swap-note": "dentist",
        }
        assert login(ann).post(f"/oncall/schedules/{slug}/swaps/", swap).status_code == 302
        request = ShiftSwap.objects.get()
        assert oncall_at(schedule, datetime(2026, 3, 11, 12, 0)) == "ann"  # not yet accepted
        # Only the counterpart answers; someone else gets a 404.
        accept = f"/oncall/schedules/{slug}/swaps/{request.pk}/accept/"
        assert login(cat).post(accept).status_code == 404
        assert login(bob).post(accept).status_code == 302
        assert login(bob).post(accept, HTTP_HX_REQUEST="true").status_code == 409
        request.refresh_from_db()
        assert request.status == "accepted"
        assert request.override.user == bob
        assert oncall_at(schedule, datetime(2026, 3, 11, 12, 0)) == "bob"
        # An override inside the swap: cat for two hours on the 11th.
        override = {"user": cat.pk, "start_at": "2026-03-11T12:00", "end_at": "2026-03-11T14:00"}
        assert (
            login(admin_user).post(f"/oncall/schedules/{slug}/overrides/", override).status_code
            == 302
        )
    assert Override.objects.count() == 2
    assert oncall_at(schedule, datetime(2026, 3, 11, 11, 59)) == "bob"
    assert oncall_at(schedule, datetime(2026, 3, 11, 13, 0)) == "cat"
    assert oncall_at(schedule, datetime(2026, 3, 11, 14, 0)) == "bob"
    assert oncall_at(schedule, datetime(2026, 3, 12, 9, 0)) == "ann"


def test_nobody_can_give_away_a_shift_they_do_not_hold(admin_user):
    ann, bob = responders("ann", "bob")
    login(admin_user).post("/oncall/schedules/new/", new_schedule_form([ann]))
    schedule = Schedule.objects.get(name="Payments")
    with clock.frozen_at(datetime(2026, 3, 5, 12, 0, tzinfo=UTC)):
        swap = {
            "swap-user": ann.pk,
            "swap-start_at": "2026-03-10T09:00",
            "swap-end_at": "2026-03-10T18:00",
        }
        response = login(bob).post(
            f"/oncall/schedules/{schedule.slug}/swaps/", swap, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 400
    assert "not on call for the whole of that time" in response.content.decode()
    assert not ShiftSwap.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_viewers_and_outsiders_cannot_request_swaps(request, admin_user, who):
    (ann,) = responders("ann")
    login(admin_user).post("/oncall/schedules/new/", new_schedule_form([ann]))
    schedule = Schedule.objects.get(name="Payments")
    user = request.getfixturevalue(who)
    response = login(user).post(f"/oncall/schedules/{schedule.slug}/swaps/", {})
    assert response.status_code == 403
    assert login(user).get(f"/oncall/schedules/{schedule.slug}/").status_code == (
        200 if who == "viewer" else 403
    )
