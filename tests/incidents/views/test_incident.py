"""The incident page (incidents/views/incident.py): access, regions, timeline, change watcher."""

from __future__ import annotations

import json
import re
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Source, TimelineEvent
from tests.factories import severity
from tests.ui import HTMX, htmx, make_incidents, query_count
from tests.ui import incident_url as _url

PAGES = ["board", "list", "declare", "detail"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, incident, name):
    url = _url(name, incident if name == "detail" else None)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_expired_session_in_an_htmx_request_redirects_the_whole_page(client, incident):
    response = client.get(_url("board"), **htmx("board"), HTTP_HX_CURRENT_URL="http://x/")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_responders_and_admins_see_every_page(client, incident, responder, admin_user, name):
    for user in (responder, admin_user):
        client.force_login(user)
        response = client.get(_url(name, incident if name == "detail" else None))
        assert response.status_code == 200, (user, name)


def test_viewers_see_pages_but_no_action_buttons(client, incident, viewer):
    client.force_login(viewer)
    for url in (_url("board"), _url("detail", incident)):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "hx-post" not in html
        assert 'method="post" action="/incidents/' not in html
    assert client.get(_url("declare")).status_code == 403


def test_outsiders_get_404_on_incident_pages_and_403_on_the_board(client, incident, outsider):
    client.force_login(outsider)
    assert client.get(_url("detail", incident)).status_code == 404
    assert client.get(_url("region", incident, "incident_header")).status_code == 404
    assert client.get(_url("stamp", incident)).status_code == 404
    assert client.get(_url("board")).status_code == 403
    assert client.get(_url("list")).status_code == 403
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 404


def test_an_unknown_incident_is_404(client, responder):
    client.force_login(responder)
    assert client.get("/incidents/999/").status_code == 404


def test_incident_page_shows_every_region(client, incident, responder):
    client.force_login(responder)
    html = client.get(_url("detail", incident)).content.decode()
    for region in (
        "incident_header",
        "incident_actions",
        "incident_roles",
        "incident_timeline",
        "incident_updates",
        "update_composer",
        "note_form",
        "incident_stamp",
    ):
        assert f'id="{region}"' in html, region
    assert "incident-changed" in html
    assert "Status: Triggered" in html  # the stakeholder draft


@pytest.mark.parametrize(
    "region",
    [
        "incident_header",
        "incident_actions",
        "incident_roles",
        "incident_timeline",
        "incident_updates",
        "update_composer",
    ],
)
def test_each_region_renders_alone_for_htmx(client, incident, responder, region):
    client.force_login(responder)
    response = client.get(_url("region", incident, region), **htmx(region))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{region}"' in html
    assert "<html" not in html
    same = client.get(_url("detail", incident), **htmx(region)).content.decode()
    assert f'id="{region}"' in same
    assert "<html" not in same


def test_an_unknown_region_is_404(client, incident, responder):
    client.force_login(responder)
    assert client.get(_url("region", incident, "nope")).status_code == 404


def test_timeline_orders_and_filters_by_kind(client, incident, responder):
    services.incident_add_note(incident=incident, text="first note", actor=responder, source="web")
    client.force_login(responder)
    region = _url("region", incident, "incident_timeline")

    def shown(query: str = "") -> list[str]:
        html = client.get(f"{region}{query}").content.decode()
        return re.findall(r'<span class="event-kind">([^<]+)</span>', html)

    assert shown()[0] == "Note"
    assert shown("?order=oldest")[0] == "Declared"
    assert shown("?kind=notes") == ["Note"]


def test_timeline_entries_show_escaped_text_line_breaks_who_and_what_changed(
    client, incident, responder
):
    services.incident_add_note(
        incident=incident, text="<b>db</b> down\r\nfailing over", actor=responder, source="web"
    )
    services.incident_change_severity(
        incident=incident, severity=severity(1), actor=responder, source="web"
    )
    client.force_login(responder)
    html = client.get(f"{_url('region', incident, 'incident_timeline')}?kind=notes").content
    html = html.decode()
    assert "&lt;b&gt;db&lt;/b&gt; down<br>failing over" in html
    assert "<b>db</b>" not in html
    assert f"{responder.username} · Web" in html
    assert '<option value="notes" selected>Notes</option>' in html
    assert "kind-incidentnote_added" in html
    TimelineEvent.objects.create(
        incident=incident, kind="incident.updated", source="api", data={"from": "A", "to": "B"}
    )
    changes = client.get(f"{_url('region', incident, 'incident_timeline')}?kind=changes")
    changes = changes.content.decode()
    assert "Severity changed from SEV-2 to SEV-1" in changes
    assert '<p class="event-message">A → B</p>' in changes


def _timeline_html(client, incident) -> str:
    return client.get(_url("region", incident, "incident_timeline")).content.decode()


def test_rendered_entries_follow_a_renamed_author_and_the_time_zone(
    client, incident, responder, settings
):
    services.incident_add_note(incident=incident, text="rolled back", actor=responder, source="web")
    client.force_login(responder)
    assert f"{responder.username} · Web" in _timeline_html(client, incident)
    responder.username = "renamed-responder"
    responder.save()
    assert "renamed-responder · Web" in _timeline_html(client, incident)

    note = incident.timeline.get(kind="incident.note_added")
    utc = f"{note.created_at.astimezone(UTC):%H:%M}"
    settings.TIME_ZONE = "Asia/Kolkata"  # +05:30: never the same minute as UTC
    kolkata = f"{note.created_at.astimezone(ZoneInfo('Asia/Kolkata')):%H:%M}"
    html = _timeline_html(client, incident)
    assert f">{kolkata}</time>" in html
    assert f">{utc}</time>" not in html


def _page_stamp(html: str) -> int:
    return int(re.search(r'data-stamp="(\d+)"', html).group(1))


@pytest.mark.parametrize("query", ["", "?order=oldest", "?kind=notes"])
def test_the_page_carries_the_stamp_the_poll_answers_in_every_timeline_view(
    client, incident, responder, query
):
    client.force_login(responder)
    for n in range(3):
        services.incident_add_note(
            incident=incident, text=f"note {n}", actor=responder, source="web"
        )
    services.incident_acknowledge(incident=incident, actor=responder, source=Source.WEB)
    stamp = _page_stamp(client.get(_url("detail", incident) + query).content.decode())
    assert stamp == TimelineEvent.objects.filter(incident=incident).latest("id").pk
    assert "HX-Trigger" not in client.get(f"{_url('stamp', incident)}?stamp={stamp}", **HTMX)


def test_the_severity_picker_and_the_top_bar_counts_share_one_query(
    client, incident, responder, django_assert_num_queries
):
    client.force_login(responder)
    html = client.get(_url("detail", incident)).content.decode()
    assert 'title="1 open SEV-2 incident"' in html
    assert re.search(r'<option value="\d+" selected>SEV-2 ', html)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(_url("detail", incident))
    from_severities = [
        q for q in captured.captured_queries if 'FROM "incidents_severity"' in q["sql"]
    ]
    assert len(from_severities) == 1


def test_the_stamp_announces_a_change_made_elsewhere_once(client, incident, responder):
    client.force_login(responder)
    first = client.get(_url("stamp", incident))
    stamp = re.search(r'data-stamp="(\d+)"', first.content.decode()).group(1)
    assert "HX-Trigger" not in client.get(f"{_url('stamp', incident)}?stamp={stamp}")
    services.incident_acknowledge(incident=incident, actor=None, source=Source.SYSTEM)
    changed = client.get(f"{_url('stamp', incident)}?stamp={stamp}", **HTMX)
    assert json.loads(changed["HX-Trigger"]) == {"incident-changed": {"region": "incident_stamp"}}
    synced = client.get(f"{_url('stamp', incident)}?stamp={stamp}&sync=1", **HTMX)
    assert "HX-Trigger" not in synced


def test_the_timeline_shows_the_newest_100_entries_and_links_to_the_whole_of_it(
    client, incident, responder
):
    TimelineEvent.objects.bulk_create(
        TimelineEvent(incident=incident, kind="incident.note_added", message=f"note {n}")
        for n in range(120)
    )
    client.force_login(responder)
    url = _url("region", incident, "incident_timeline")
    html = client.get(url).content.decode()
    assert html.count('<li class="event ') == 100
    assert "Showing the newest 100 entries." in html
    assert 'href="?order=newest&amp;kind=&amp;all=1"' in html
    whole = client.get(f"{url}?order=newest&kind=&all=1").content.decode()
    assert whole.count('<li class="event ') == 121  # and "incident declared"
    assert "Show the whole timeline" not in whole


def test_incident_page_queries_do_not_grow_with_the_timeline(
    client, responder, django_assert_max_num_queries
):
    client.force_login(responder)
    incident = make_incidents(1, responder)[0]
    url = _url("detail", incident)
    few = query_count(client, django_assert_max_num_queries, url)
    for n in range(30):
        services.incident_add_note(
            incident=incident, text=f"note {n}", actor=responder, source="web"
        )
    services.incident_post_stakeholder_update(
        incident=incident, body="Update", actor=responder, source="web"
    )
    many = query_count(client, django_assert_max_num_queries, url)
    assert few == many
