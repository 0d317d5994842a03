"""What on-call adds to other screens (oncall/pages.py, registered in oncall.apps): the top
bar's on-call line and the incident page's "Escalate now", exercised with the real services."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from core import clock
from incidents import services as incident_services
from incidents.models import Source, TimelineEvent
from oncall.selectors import user_oncall_status
from tests.oncall.conftest import after_commit, declare, person, policy_of, schedule_of
from tests.ui import HTMX, htmx

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday; the rota's handoffs are Mondays 09:00
LINE = reverse("core:topbar_item", args=["oncall_status"])


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


def test_every_page_fetches_the_oncall_line_once_loaded_and_the_line_polls_every_minute(
    client, responder
):
    client.force_login(responder)
    board = client.get("/").content.decode()
    placeholder = re.search(r'<span id="oncall_status"[^>]*>', board).group(0)
    assert f'hx-get="{LINE}"' in placeholder
    assert 'hx-trigger="load"' in placeholder
    off_call = client.get(LINE, **HTMX).content.decode()
    assert 'class="oncall"' not in off_call
    assert 'hx-trigger="every 60s"' in off_call


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
def test_the_oncall_line_says_until_when_in_the_viewers_time_zone(
    client, responder, settings, zone
):
    schedule_of("Payments", responder, person("second"))  # weekly from Monday 2 March, 09:00 UTC
    settings.TIME_ZONE = zone
    client.force_login(responder)
    html = client.get(LINE, **HTMX).content.decode()
    shift = user_oncall_status(user=responder)
    assert shift.until is not None
    until = timezone.localtime(shift.until, timezone=timezone.get_default_timezone())
    assert re.search(
        rf'class="oncall"[^>]*>You are on call for Payments rota until {until:%a %H:%M}<', html
    )
    if zone != "UTC":
        assert f"until {shift.until.astimezone(UTC):%a %H:%M}" not in html


def test_a_one_person_rota_shows_no_end_that_moves_with_the_clock(client, responder):
    schedule_of("Payments", responder)
    client.force_login(responder)
    first = client.get(LINE, **HTMX).content.decode()
    with clock.frozen_at(clock.now() + timedelta(minutes=3)):
        later = client.get(LINE, **HTMX).content.decode()
    assert re.search(r'class="oncall"[^>]*>You are on call for Payments rota<', first)
    assert first == later


@pytest.fixture
def paging(responder):
    first = person("pia-paged")
    second = person("sol-second")
    policy = policy_of("Checkout", (30, [first]), (30, [second]))
    with after_commit():
        incident = declare(policy, at=NOW)
    return incident


def test_escalate_now_pages_the_next_level_through_the_engine(client, responder, paging, standins):
    client.force_login(responder)
    url = reverse("incidents:detail", args=[paging.number])
    escalate = reverse("oncall:escalate-now", args=[paging.number])
    assert f'action="{escalate}"' in client.get(url).content.decode()
    with after_commit():
        response = client.post(escalate, **htmx("incident_actions"))
    assert response.status_code == 200
    assert 'id="incident_actions"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {
        "incident-changed": {"region": "incident_actions"}
    }
    assert TimelineEvent.objects.filter(
        incident=paging, kind="escalation.escalated_manually"
    ).exists()
    assert standins.emails_to(get_user_model().objects.get(username="sol-second"))


def test_escalate_now_is_offered_only_while_the_incident_is_triggered(client, responder, paging):
    client.force_login(responder)
    url = reverse("incidents:detail", args=[paging.number])
    incident_services.incident_acknowledge(incident=paging, actor=responder, source=Source.WEB)
    assert "Escalate now" not in client.get(url).content.decode()
    response = client.post(reverse("oncall:escalate-now", args=[paging.number]), **HTMX)
    assert response.status_code == 409


def test_viewers_and_outsiders_cannot_escalate(client, viewer, outsider, paging):
    escalate = reverse("oncall:escalate-now", args=[paging.number])
    client.force_login(viewer)
    assert "Escalate now" not in client.get(f"/incidents/{paging.number}/").content.decode()
    assert client.post(escalate).status_code == 403
    client.force_login(outsider)
    assert client.post(escalate).status_code == 404
