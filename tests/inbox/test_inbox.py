"""The in-app inbox: the `inbox` channel, the bell, /inbox/ and Acknowledge from there."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from core.services import admin_ensure
from incidents.models import IncidentStatus, TimelineEvent
from integrations.inbox.channel import InboxChannel
from integrations.inbox.models import InboxMessage
from oncall.models import NotificationRule, Page, PageStatus
from tests.oncall.conftest import after_commit, declare, person, policy_of

BELL = "/ui/topbar/inbox_bell/"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def paged_admin(defaults):
    """The first admin of a fresh install (no e-mail address, no rules), paged once."""
    admin_ensure()
    admin = get_user_model().objects.get(username="admin")
    incident = declare(policy_of("Fresh", (5, [admin])), title="Checkout down")
    return admin, incident


def test_a_fresh_admin_is_paged_into_their_inbox_without_any_set_up(paged_admin):
    admin, incident = paged_admin
    rules = NotificationRule.objects.filter(user=admin)
    assert {(rule.urgency, rule.channel) for rule in rules} == {("high", "inbox"), ("low", "inbox")}
    [page] = Page.objects.filter(incident=incident)
    assert (page.channel, page.status) == ("inbox", PageStatus.SENT)
    [message] = InboxMessage.objects.filter(user=admin)
    assert message.incident == incident
    assert message.read_at is None
    assert "#1 Checkout down" in message.title
    # Nothing failed on the way: no e-mail to a missing address.
    assert not TimelineEvent.objects.filter(incident=incident, kind__startswith="page.").exists()


def test_people_with_an_address_get_the_inbox_and_email_by_default(defaults, responder):
    from oncall.services import notification_rules_for

    channels = {rule.channel for rule in notification_rules_for(responder, "high")}
    assert channels == {"inbox", "email"}


def test_the_bell_shows_the_unread_page_with_acknowledge_and_a_notification_hook(paged_admin):
    admin, incident = paged_admin
    html = client_of(admin).get(BELL).content.decode()
    assert 'class="bell-count">1<' in html
    assert "Checkout down" in html
    assert f"/inbox/{InboxMessage.objects.get().pk}/acknowledge/" in html
    assert f'data-notify-url="/incidents/{incident.number}/"' in html


def test_acknowledge_from_the_inbox_acknowledges_the_incident_and_marks_it_read(paged_admin):
    admin, incident = paged_admin
    message = InboxMessage.objects.get()
    with after_commit():
        response = client_of(admin).post(
            f"/inbox/{message.pk}/acknowledge/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox_bell"
        )
    assert response.status_code == 200
    assert "inbox-changed" in response["HX-Trigger"]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.acknowledged_by == admin
    message.refresh_from_db()
    assert message.read_at is not None
    assert 'class="bell-count"' not in response.content.decode()
    event = TimelineEvent.objects.get(incident=incident, kind="incident.acknowledged")
    assert (event.actor, event.source) == (admin, "web")


def test_acknowledge_without_javascript_redirects_with_a_message(paged_admin):
    admin, _incident = paged_admin
    message = InboxMessage.objects.get()
    response = client_of(admin).post(f"/inbox/{message.pk}/acknowledge/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    page = client_of(admin).get("/inbox/")
    assert page.status_code == 200


def test_acknowledging_an_incident_already_acknowledged_is_a_409_with_the_reason(paged_admin):
    admin, _incident = paged_admin
    message = InboxMessage.objects.get()
    client = client_of(admin)
    client.post(f"/inbox/{message.pk}/acknowledge/")
    response = client.post(f"/inbox/{message.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "acknowledged" in response.content.decode()


def test_someone_elses_message_is_a_404(paged_admin, responder, outsider):
    message = InboxMessage.objects.get()
    for user in (responder, outsider):
        client = client_of(user)
        assert client.post(f"/inbox/{message.pk}/acknowledge/").status_code == 404
        assert client.post(f"/inbox/{message.pk}/read/").status_code == 404
    assert InboxMessage.objects.get().read_at is None


def test_a_viewer_paged_by_mistake_may_read_but_not_acknowledge(defaults, viewer):
    incident = declare(policy_of("Viewers", (5, [viewer])))
    message = InboxMessage.objects.get(user=viewer)
    client = client_of(viewer)
    assert f"/inbox/{message.pk}/acknowledge/" not in client.get("/inbox/").content.decode()
    assert client.post(f"/inbox/{message.pk}/acknowledge/").status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED
    assert client.post(f"/inbox/{message.pk}/read/").status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None


def test_every_signed_in_person_has_an_inbox_and_anonymous_visitors_sign_in(
    admin_user, responder, viewer, outsider
):
    for user in (admin_user, responder, viewer, outsider):
        response = client_of(user).get("/inbox/")
        assert response.status_code == 200
        assert "Nothing yet" in response.content.decode()
    assert Client().get("/inbox/").status_code == 302


def test_mark_all_read_empties_the_bell(defaults):
    rita = person("rita", high=(("inbox", 0),), low=(("inbox", 0),))
    declare(policy_of("One", (5, [rita])), title="First")
    declare(policy_of("Two", (5, [rita])), title="Second")
    client = client_of(rita)
    assert 'class="bell-count">2<' in client.get(BELL).content.decode()
    response = client.post("/inbox/read-all/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox_list")
    assert response.status_code == 200
    assert "0 unread" in response.content.decode()
    assert 'class="bell-count"' not in client.get(BELL).content.decode()


def test_the_channel_is_idempotent_and_refuses_a_page_without_a_person(defaults):
    rita = person("rita", high=(("inbox", 0),), low=(("inbox", 0),))
    declare(policy_of("One", (5, [rita])))
    page = Page.objects.get()
    assert InboxChannel().send(page).ok
    assert InboxMessage.objects.count() == 1
    page.user = None
    result = InboxChannel().send(page)
    assert (result.ok, result.permanent) == (False, True)


def test_a_local_run_writes_email_to_files_under_var(tmp_path):
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)"
    env = {
        "DEBUG": "1",
        "FIREBELL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "firebell.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path / "mail"),
    ]
