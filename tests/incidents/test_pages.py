"""The incident screens' presenters (incidents/pages.py) and extension points
(incidents/extensions.py), with the panels and actions the apps really register."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core import clock
from incidents import pages, services
from incidents.extensions import (
    Badge,
    IncidentBadges,
    IncidentPanel,
    incident_badges,
    incident_panels,
)
from incidents.models import Source, ack_target_breached
from incidents.selectors import incident_board
from tests.factories import severity
from tests.ui import declare, htmx, incident_url

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)
TARGET = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("acknowledged", "resolved", "now", "breached"),
    [
        (None, None, 14, False),  # waiting, within the target
        (None, None, 16, True),  # waiting, past it
        (10, None, 60, False),  # acknowledged in time
        (20, None, 60, True),  # acknowledged late
        (None, 10, 600, False),  # resolved in time without an acknowledgement
        (None, 30, 600, True),  # closed (or resolved) late and never acknowledged
    ],
)
def test_the_acknowledge_target_rule(acknowledged, resolved, now, breached):
    def at(minutes):
        return None if minutes is None else T0 + timedelta(minutes=minutes)

    assert (
        ack_target_breached(
            triggered_at=T0,
            acknowledged_at=at(acknowledged),
            resolved_at=at(resolved),
            ack_target=TARGET,
            now=at(now),
        )
        is breached
    )


def test_a_closed_never_acknowledged_incident_is_breached_everywhere_alike(client, responder):
    with clock.frozen_at(T0):
        incident = declare(responder, severity=severity(1))  # a 15-minute target
    with clock.frozen_at(T0 + timedelta(hours=1)):
        services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
        services.incident_close(incident=incident, actor=responder, source=Source.WEB)
    incident.refresh_from_db()
    assert incident.ack_target_breached() is True
    client.force_login(responder)
    assert client.get(f"/api/v1/incidents/{incident.number}/").json()["ack_target_breached"]
    header = client.get(incident_url("region", incident, "incident_header")).content.decode()
    assert re.search(r'<div class="breached"><dt>Time to acknowledge', header)


def test_board_cards_use_the_same_rule(responder):
    with clock.frozen_at(timezone.now() - timedelta(hours=2)):
        late = declare(responder, title="Late", severity=severity(1))
    fresh = declare(responder, title="Fresh", severity=severity(4))
    cards = {
        card.row.pk: card for card in pages.board_cards(incident_board(user=responder, limit=10))
    }
    assert cards[late.pk].ack.breached is True
    assert cards[late.pk].ack.text.startswith("ack overdue")
    assert cards[fresh.pk].ack.breached is False


def test_the_incident_page_shows_the_panels_the_apps_register_each_a_region(client, responder):
    incident = declare(responder)
    client.force_login(responder)
    html = client.get(incident_url("detail", incident)).content.decode()
    registered = [panel.name for panel in incident_panels]
    assert {"incident_alerts", "incident_escalation", "incident_pages"} <= set(registered)
    for name in registered:
        assert f'id="{name}"' in html
        alone = client.get(incident_url("region", incident, name), **htmx(name)).content.decode()
        assert f'id="{name}"' in alone
        assert "<html" not in alone


@pytest.fixture
def extra_panel():
    """A panel registered as an app would, that applies only to resolved incidents."""
    panel = IncidentPanel(
        "incident_test_panel",
        "oncall/incident_pages.html",
        data=lambda page: [],
        visible=lambda page: page.incident.status == "resolved",
    )
    incident_panels.register(panel)
    yield panel
    incident_panels.unregister(panel.name)


def test_a_panel_that_does_not_apply_is_a_placeholder_that_refreshes_itself(
    client, responder, extra_panel
):
    incident = declare(responder)
    client.force_login(responder)
    region = incident_url("region", incident, extra_panel.name)
    placeholder = client.get(region).content.decode()
    assert re.search(rf'<div id="{extra_panel.name}" hx-get="{region}"[^>]*hidden>', placeholder)
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    assert "Nobody paged." in client.get(region).content.decode()


def test_two_panels_may_not_share_a_name(extra_panel):
    incident_panels.register(extra_panel)  # the same one again: nothing happens
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        incident_panels.register(IncidentPanel(extra_panel.name, "other.html"))


@pytest.fixture
def sev_badge():
    extension = IncidentBadges(
        "test_badge", lambda rows: {row.pk: [Badge(f"badge-{row.number}", "chip")] for row in rows}
    )
    incident_badges.register(extension)
    yield extension
    incident_badges.unregister(extension.name)


def test_registered_badges_show_on_board_cards_and_list_rows(client, responder, sev_badge):
    incident = declare(responder)
    client.force_login(responder)
    badge = f'<span class="chip">badge-{incident.number}</span>'
    assert badge in client.get("/").content.decode()
    assert badge in client.get("/incidents/").content.decode()


# --- the timeline's rendered-entry cache ----------------------------------------------------------

ENTRY = pages.TimelineRow(
    kind_class="incident-note",
    label="Note",
    at_iso="2026-12-02T09:00:00+01:00",
    at_title="2026-12-02 09:00:00 CET",
    at_short="09:00",
    message_lines=("Rolled back", "to 1.4"),
    change="",
    who="Alice Tester · web",
)
OTHER_VALUES = {
    "kind_class": "incident-acknowledged",
    "label": "Acknowledged",
    "at_iso": "2026-12-02T08:00:00+00:00",
    "at_title": "2026-12-02 08:00:00 UTC",
    "at_short": "08:00",
    "message_lines": ("Rolled back",),
    "who": "Bob Ops · slack",
}


def test_every_field_of_a_timeline_row_is_shown_and_part_of_its_cache_key():
    # The key is the row itself: a field added to TimelineRow must appear here (or the test
    # names it), and an entry that differs in any field is rendered again, never served stale.
    assert set(OTHER_VALUES) | {"change"} == set(pages.TimelineRow._fields)
    shown = pages.rendered_timeline_entry(ENTRY, "Europe/Paris", "en")
    for name, value in OTHER_VALUES.items():
        changed = pages.rendered_timeline_entry(
            ENTRY._replace(**{name: value}), "Europe/Paris", "en"
        )
        assert changed != shown, name
    # `change` shows only for an entry without a message.
    without_message = ENTRY._replace(message_lines=())
    assert pages.rendered_timeline_entry(
        without_message._replace(change="SEV-3 → SEV-1"), "Europe/Paris", "en"
    ) != pages.rendered_timeline_entry(without_message, "Europe/Paris", "en")


def test_the_entry_cache_is_keyed_by_time_zone_and_language_too():
    pages.rendered_timeline_entry.cache_clear()
    pages.rendered_timeline_entry(ENTRY, "Europe/Paris", "en")
    pages.rendered_timeline_entry(ENTRY, "Europe/Paris", "en")
    assert pages.rendered_timeline_entry.cache_info().misses == 1
    pages.rendered_timeline_entry(ENTRY, "UTC", "en")
    pages.rendered_timeline_entry(ENTRY, "Europe/Paris", "fr")
    assert pages.rendered_timeline_entry.cache_info().misses == 3


def test_entries_are_escaped_and_shown_in_each_viewers_zone(client, responder, settings):
    incident = declare(responder, title="Cache check")
    services.incident_add_note(
        incident=incident, actor=responder, text="<script>alert(1)</script>", source=Source.WEB
    )
    client.force_login(responder)
    url = incident_url("detail", incident)
    utc_page = client.get(url).content.decode()
    settings.TIME_ZONE = "Asia/Kolkata"
    kolkata_page = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in kolkata_page
    assert "<script>alert(1)" not in kolkata_page
    assert "+05:30" in kolkata_page
    assert "+05:30" not in utc_page
