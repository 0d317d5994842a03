"""Set-up in the app (/services/, /people/, /invite/<token>/, the board's checklist) for the four
kinds of user; invitations expire and work once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from alerts.models import Integration
from alerts.services import integration_create
from core import clock
from incidents.models import Service
from oncall.models import EscalationPolicy, Rotation, RotationParticipant, Schedule
from setup.models import Invitation
from tests.factories import ServiceFactory

ANONYMOUS = None


def login(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def actors(admin_user, responder, viewer, outsider):
    return {"admin": admin_user, "responder": responder, "viewer": viewer, "outsider": outsider}


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/services/", {"admin", "responder", "viewer"}),
        ("/services/new/", {"admin"}),
        ("/people/", {"admin"}),
    ],
)
def test_each_page_answers_each_kind_of_user(actors, url, allowed):
    for name, user in actors.items():
        status = login(user).get(url).status_code
        assert status == (200 if name in allowed else 403), (name, url, status)
    assert login(ANONYMOUS).get(url).status_code == 302


def test_a_service_page_is_read_only_for_responders_and_viewers_and_404_when_unknown(actors):
    service = ServiceFactory(name="Payments", slug="payments")
    for name in ("responder", "viewer"):
        client = login(actors[name])
        page = client.get("/services/payments/")
        assert page.status_code == 200
        assert "Save service" not in page.content.decode()
        assert client.post("/services/payments/", {"name": "Hacked"}).status_code == 403
    assert login(actors["outsider"]).get("/services/payments/").status_code == 403
    assert login(actors["admin"]).get("/services/nope/").status_code == 404
    service.refresh_from_db()
    assert service.name == "Payments"


def test_an_admin_creates_and_edits_a_service_with_owners_and_a_policy(admin_user, responder):
    client = login(admin_user)
    policy = EscalationPolicy.objects.get(name="Default")
    response = client.post(
        "/services/new/",
        {"name": "Checkout", "escalation_policy": policy.pk, "owners": [responder.pk]},
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Checkout")
    assert service.slug == "checkout"
    assert service.escalation_policy == policy
    assert list(service.owners.all()) == [responder]
    response = client.post(
        "/services/checkout/", {"name": "Checkout API", "escalation_policy": "", "owners": []}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.escalation_policy) == ("Checkout API", None)
    assert not service.owners.exists()
    listing = client.get("/services/").content.decode()
    assert "none: nobody is paged" in listing


def test_a_bad_service_form_is_shown_again_with_the_reason(admin_user):
    ServiceFactory(name="Payments", slug="payments")
    client = login(admin_user)
    assert client.post("/services/new/", {"name": ""}).status_code == 400
    response = client.post("/services/new/", {"name": "Payments"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "exists already" in response.content.decode()


def test_service_maintenance_covers_every_integration_of_the_service(admin_user, responder):
    service = ServiceFactory(name="Payments", slug="payments")
    for name in ("am", "grafana"):
        integration_create(service=service, kind="alertmanager", name=name, actor=None)
    assert (
        login(responder).post("/services/payments/maintenance/", {"minutes": "60"}).status_code
        == 403
    )
    response = login(admin_user).post("/services/payments/maintenance/", {"minutes": "60"})
    assert response.status_code == 302
    until = {i.maintenance_until for i in Integration.objects.filter(service=service)}
    assert len(until) == 1
    assert next(iter(until)) > clock.now() + timedelta(minutes=59)
    login(admin_user).post("/services/payments/maintenance/", {"minutes": "0"})
    assert not Integration.objects.filter(maintenance_until__isnull=False).exists()


# --- people and invitations ---------------------------------------------------------------------


def invite(client, email="nina@example.com", role="Responder") -> str:
    response = client.post("/people/invite/", {"email": email, "role": role})
    assert response.status_code == 302
    page = client.get("/people/").content.decode()
    return re.search(r'id="invitation-link">([^<]+)<', page).group(1)


def test_an_invitation_is_mailed_works_once_and_signs_the_new_person_in(
    admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        link = invite(client)
    path = link.split("testserver", 1)[1]
    [mail] = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert link in mail.body
    assert "invitation-link" not in client.get("/people/").content.decode()  # shown once
    invitation = Invitation.objects.get()
    assert path.split("/")[2] not in invitation.token_hash  # only the hash is stored

    newcomer = Client()
    assert newcomer.get(path).status_code == 200
    form = {"username": "nina", "first_name": "Nina", "password": "a long pass phrase 42"}
    response = newcomer.post(path, form)
    assert response.status_code == 302
    nina = get_user_model().objects.get(username="nina")
    assert nina.email == "nina@example.com"
    assert list(nina.groups.values_list("name", flat=True)) == ["Responder"]
    assert newcomer.get("/").status_code == 200  # signed in
    again = Client().post(path, {**form, "username": "nina2"})
    assert again.status_code == 404
    assert "used already" in again.content.decode()
    assert not get_user_model().objects.filter(username="nina2").exists()


def test_an_expired_invitation_is_refused(admin_user):
    link = invite(login(admin_user))
    path = link.split("testserver", 1)[1]
    with clock.frozen_at(clock.now() + timedelta(days=7, minutes=1)):
        response = Client().post(path, {"username": "late", "password": "a long pass phrase 42"})
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    assert not get_user_model().objects.filter(username="late").exists()


def test_a_weak_password_or_a_taken_username_keeps_the_invitation_usable(admin_user, responder):
    path = invite(login(admin_user)).split("testserver", 1)[1]
    weak = Client().post(path, {"username": "nina", "password": "123"})
    assert weak.status_code == 400
    taken = Client().post(
        path, {"username": responder.username, "password": "a long pass phrase 42"}
    )
    assert taken.status_code == 400
    assert "taken" in taken.content.decode()
    assert Invitation.objects.get().accepted_at is None
    ok = Client().post(path, {"username": "nina", "password": "a long pass phrase 42"})
    assert ok.status_code == 302


def test_only_admins_invite_change_roles_and_deactivate(actors):
    target = actors["viewer"]
    for name in ("responder", "viewer", "outsider"):
        client = login(actors[name])
        assert (
            client.post("/people/invite/", {"email": "x@example.com", "role": "Admin"}).status_code
            == 403
        )
        assert client.post(f"/people/{target.pk}/role/", {"role": "Admin"}).status_code == 403
        assert client.post(f"/people/{target.pk}/active/", {"active": "0"}).status_code == 403
    assert not Invitation.objects.exists()
    target.refresh_from_db()
    assert target.is_active
    assert not target.groups.filter(name="Admin").exists()


def test_an_admin_changes_a_role_and_deactivates_someone_but_not_themselves(admin_user, viewer):
    client = login(admin_user)
    assert client.post(f"/people/{viewer.pk}/role/", {"role": "Responder"}).status_code == 302
    assert list(viewer.groups.values_list("name", flat=True)) == ["Responder"]
    assert client.post(f"/people/{viewer.pk}/active/", {"active": "0"}).status_code == 302
    viewer.refresh_from_db()
    assert not viewer.is_active
    assert client.post(f"/people/{admin_user.pk}/active/", {"active": "0"}).status_code == 409
    assert client.post(f"/people/{admin_user.pk}/role/", {"role": "Viewer"}).status_code == 409
    assert client.post(f"/people/{viewer.pk}/role/", {"role": "Owner"}).status_code == 400


# --- the first-run checklist and the declare form ---------------------------------------------


def test_the_checklist_shows_admins_what_is_left_and_disappears_when_done(admin_user):
    board = login(admin_user).get("/").content.decode()
    assert 'id="first-run-checklist"' in board
    assert "5 steps left" in board
    policy = EscalationPolicy.objects.get(name="Default")
    service = ServiceFactory(name="Payments", slug="payments", escalation_policy=policy)
    integration_create(service=service, kind="alertmanager", name="am", actor=None)
    schedule = Schedule.objects.create(name="Ops", slug="ops", time_zone="UTC")
    rotation = Rotation.objects.create(schedule=schedule, name="Main", start_date="2026-01-05")
    RotationParticipant.objects.create(rotation=rotation, user=admin_user, position=0)
    board = login(admin_user).get("/").content.decode()
    assert "1 step left" in board
    assert '<a href="/people/">Invite someone</a>' in board
    Invitation.objects.create(
        email="x@example.com", role="Viewer", token_hash="x", expires_at=clock.now()
    )
    assert 'id="first-run-checklist"' not in login(admin_user).get("/").content.decode()


def test_the_checklist_is_for_admins_only(responder, viewer):
    for user in (responder, viewer):
        assert 'id="first-run-checklist"' not in login(user).get("/").content.decode()


def test_the_declare_form_links_to_creating_a_service_when_there_is_none(admin_user, responder):
    assert not Service.objects.exists()
    page = login(admin_user).get("/incidents/declare/").content.decode()
    assert 'href="/services/new/"' in page
    assert (
        'href="/services/new/"' not in login(responder).get("/incidents/declare/").content.decode()
    )
    assert Group.objects.filter(name="Moderator").exists()


def test_the_top_bar_links_services_for_readers_and_people_for_admins(viewer, admin_user):
    viewer_page = login(viewer).get("/services/").content.decode()
    assert 'id="nav_services" href="/services/" aria-current="page"' in viewer_page
    assert 'id="nav_people"' not in viewer_page
    assert 'id="nav_people" href="/people/"' in login(admin_user).get("/").content.decode()
