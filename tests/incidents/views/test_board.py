"""The board (incidents/views/board.py): columns, cards, its poll, actions taken on it."""

from __future__ import annotations

import json
import re

import pytest

from incidents import services
from incidents.models import IncidentStatus, Role, Source
from tests.factories import UserFactory, severity
from tests.ui import declare, htmx, make_incidents, query_count
from tests.ui import incident_url as _url


def test_board_groups_open_incidents_by_status_most_severe_first(client, responder):
    low = declare(responder, title="Low one", severity=severity(4))
    high = declare(responder, title="High one", severity=severity(1))
    acked = declare(responder, title="Acked one", severity=severity(2))
    services.incident_acknowledge(incident=acked, actor=responder, source=Source.WEB)
    gone = declare(responder, title="Gone one")
    services.incident_resolve(incident=gone, actor=responder, source=Source.WEB)
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    columns = {
        status: re.findall(r'id="board-incident-(\d+)"', column)
        for status, column in re.findall(
            r'<section class="board-column column-(\w+)"(.*?)</section>', html, re.S
        )
    }
    # Columns other apps register come after the statuses (post-mortems: "Post-mortem due", where
    # the resolved SEV-2 waits for its post-mortem).
    assert columns.pop("postmortem_due") == [str(gone.number)]
    assert columns == {
        IncidentStatus.TRIGGERED: [str(high.number), str(low.number)],
        IncidentStatus.ACKNOWLEDGED: [str(acked.number)],
        IncidentStatus.MITIGATED: [],
    }
    assert 'hx-trigger="every 5s' in html


def test_a_full_board_says_so_and_links_to_every_open_incident(client, responder, monkeypatch):
    from incidents import pages

    monkeypatch.setattr(pages, "BOARD_LIMIT", 2)
    for title in ("One", "Two", "Three"):
        declare(responder, title=title)
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert html.count('<article class="card') == 2
    assert "Showing the 2 most urgent open incidents." in html
    expected = "status=triggered&amp;status=acknowledged&amp;status=mitigated"
    assert f'href="{_url("list")}?{expected}"' in html


def test_board_answers_htmx_with_the_board_region_only(client, incident, responder):
    client.force_login(responder)
    html = client.get(_url("board"), **htmx("board")).content.decode()
    assert html.lstrip().startswith('<section id="board"') or 'id="board"' in html[:300]
    assert "<html" not in html


def test_board_shows_a_breached_acknowledge_target_in_red(client, responder):
    from datetime import timedelta

    from django.utils import timezone

    from core import clock

    with clock.frozen_at(timezone.now() - timedelta(hours=2)):
        declare(responder, title="Old SEV-1", severity=severity(1))
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert "countdown breached" in html
    assert "ack overdue" in html


def test_acknowledging_from_the_board_returns_the_board_and_announces_the_change(
    client, incident, responder
):
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"), **htmx("board"))
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"incident-changed": {"region": "board"}}
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("url", "headers"),
    [("/", {}), ("/", htmx("board")), ("/incidents/", {}), ("/incidents/?severity=1", {})],
)
def test_board_and_list_run_the_same_number_of_queries_for_2_or_30_incidents(
    client, responder, django_assert_max_num_queries, url, headers
):
    client.force_login(responder)
    make_incidents(2, responder)
    few = query_count(client, django_assert_max_num_queries, url, **headers)
    UserFactory(username="extra-responder")  # one more person in the commander filter
    for incident in make_incidents(28, responder):
        services.incident_assign_role(
            incident=incident,
            role=Role.objects.get(slug="tech"),
            user=responder,
            actor=None,
            source=Source.SYSTEM,
        )
    many = query_count(client, django_assert_max_num_queries, url, **headers)
    assert few == many
