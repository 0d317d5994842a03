"""/insights/ and its CSV downloads: who may read them, the filters, bad filters, the content."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from core import clock
from tests.insights.conftest import NOW

pytestmark = pytest.mark.django_db

HOME = "/insights/"
RANGE = {"start": "2026-11-02", "end": "2026-11-15"}


def csv_of(client, slug: str, **params) -> list[list[str]]:
    response = client.get(reverse("insights:csv", args=[slug]), {**RANGE, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{slug}_2026-11-02_2026-11-15.csv"' in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_viewers_read_the_page_with_every_chart_and_table(client, viewer, history):
    client.force_login(viewer)
    with clock.frozen_at(NOW):
        response = client.get(HOME, RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    for slug in (
        "incidents-per-week",
        "ack-breaches",
        "mtta-by-severity",
        "mtta-by-service",
        "mttr-by-severity",
        "mttr-by-service",
        "oncall-load",
        "postmortems",
        "action-items",
    ):
        assert f'id="{slug}"' in html
        assert f'href="/insights/{slug}.csv?start=2026-11-02&amp;end=2026-11-15"' in html
        # An accessible chart: its title and description name it.
        assert re.search(f'aria-labelledby="{slug}(-1)?-title {slug}(-1)?-desc"', html)
    # Three single charts, and a small chart per group measured: SEV-1 and SEV-2, Payments and
    # Search, for both times.
    assert html.count("<svg") == 5 + 4 * 2
    assert html.count("<table") == 9
    assert "<h3>SEV-2</h3>" in html
    # Week A of incidents per week: 3 SEV-1, 1 SEV-2, 4 in all (a bar has its number as a title).
    assert "SEV-1, week of 2 Nov: 3" in html
    assert re.search(r"2 Nov 2026</th><td class=\"number\">3</td><td class=\"number\">1</td>", html)
    assert '<a id="nav_insights" href="/insights/" aria-current="page">Insights</a>' in html


def test_the_page_is_csp_ready(client, viewer, history):
    client.force_login(viewer)
    html = client.get(HOME, RANGE).content.decode()
    main = html[html.index("<main") :]
    assert "<script" not in main
    assert "<style" not in main
    assert "style=" not in main
    assert not re.search(r"\son\w+=", main)


def test_outsiders_are_refused_and_visitors_sent_to_sign_in(client, outsider):
    assert client.get(HOME).status_code == 302
    assert client.get(reverse("insights:csv", args=["oncall-load"])).status_code == 302
    client.force_login(outsider)
    assert client.get(HOME).status_code == 403
    assert client.get(reverse("insights:csv", args=["oncall-load"])).status_code == 403
    assert 'id="nav_insights"' not in client.get("/oncall/me/").content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "From: Enter a valid date."),
        ({"end": "yesterday"}, "Until: Enter a valid date."),
        ({"start": "2026-11-15", "end": "2026-11-01"}, "The range ends before it starts."),
        ({"start": "2020-01-01", "end": "2026-11-01"}, "at most 731 days"),
        ({"severity": "9"}, "Select a valid choice. 9 is not one of the available choices."),
        ({"severity": "high"}, "Select a valid choice."),
        ({"service": "nope"}, "Select a valid choice. nope is not one of the available choices."),
    ],
)
def test_bad_filters_are_a_400_naming_what_is_wrong(client, viewer, history, params, message):
    client.force_login(viewer)
    for url in (HOME, reverse("insights:csv", args=["incidents-per-week"])):
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_an_unknown_report_is_a_404(client, viewer):
    client.force_login(viewer)
    assert client.get("/insights/nothing.csv").status_code == 404


def test_the_default_range_is_the_last_twelve_weeks(client, viewer, history):
    client.force_login(viewer)
    with clock.frozen_at(NOW):  # Thursday 12 November 2026
        html = client.get(HOME).content.decode()
    assert "24 Aug 2026 to 12 Nov 2026" in html
    assert 'value="2026-08-24"' in html


def test_incidents_per_week_csv(client, viewer, history):
    client.force_login(viewer)
    assert csv_of(client, "incidents-per-week") == [
        ["week", "SEV-1", "SEV-2", "SEV-3", "SEV-4", "total"],
        ["2026-11-02", "3", "1", "0", "0", "4"],
        ["2026-11-09", "0", "1", "1", "0", "2"],
    ]
    assert csv_of(client, "incidents-per-week", severity=["2", "3"]) == [
        ["week", "SEV-2", "SEV-3", "total"],
        ["2026-11-02", "1", "0", "1"],
        ["2026-11-09", "1", "1", "2"],
    ]


def test_breaches_csv(client, viewer, history):
    client.force_login(viewer)
    with clock.frozen_at(NOW):
        rows = csv_of(client, "ack-breaches")
    assert rows == [
        ["week", "SEV-1", "SEV-2", "SEV-3", "SEV-4", "breached", "declared", "breached_percent"],
        ["2026-11-02", "2", "1", "0", "0", "3", "4", "75.0"],
        ["2026-11-09", "0", "0", "1", "0", "1", "2", "50.0"],
    ]


def test_response_time_csvs_in_seconds(client, viewer, history):
    client.force_login(viewer)
    assert csv_of(client, "mtta-by-severity") == [
        ["week", "severity", "incidents_measured", "median_seconds", "p90_seconds"],
        ["2026-11-02", "SEV-1", "3", "1200", "2160"],
        ["2026-11-09", "SEV-2", "1", "600", "600"],
    ]
    assert csv_of(client, "mttr-by-service", service="search") == [
        ["week", "service", "incidents_measured", "median_seconds", "p90_seconds"],
        ["2026-11-02", "Search", "2", "6300", "7020"],  # 90 and 120 minutes: p90 117
    ]


def test_oncall_load_csv(client, viewer, history):
    client.force_login(viewer)
    assert csv_of(client, "oncall-load") == [
        ["person", "pages", "out_of_hours", "nights_woken"],
        ["Rita Rao", "4", "3", "1"],
        ["ron", "2", "2", "1"],
    ]


def test_oncall_load_is_counted_in_the_viewers_time_zone(client, viewer, history, settings):
    settings.TIME_ZONE = "Europe/Paris"
    client.force_login(viewer)
    assert csv_of(client, "oncall-load")[2] == ["ron", "2", "2", "0"]
    html = client.get(HOME, RANGE).content.decode()
    assert "times in Europe/Paris" in html


def test_an_empty_range_draws_empty_charts(client, viewer, defaults):
    client.force_login(viewer)
    html = client.get(HOME, RANGE).content.decode()
    # Each of the 9 charts (one empty chart where no group was measured), and the 5 tables
    # without a row per week (the weekly counts list their weeks with zeros).
    assert html.count("Nothing in this range") == 14
    assert '2 Nov 2026</th><td class="number">0</td>' in html


def test_postmortems_csv(client, viewer, history):
    client.force_login(viewer)
    with clock.frozen_at(NOW):
        rows = csv_of(client, "postmortems")
    assert rows == [
        ["week", "on_time", "late", "overdue", "not_yet_due"],
        ["2026-11-02", "1", "1", "1", "0"],
        ["2026-11-09", "0", "0", "1", "1"],
    ]


def test_action_items_csv(client, viewer, history):
    client.force_login(viewer)
    assert csv_of(client, "action-items") == [
        ["week", "opened", "done"],
        ["2026-11-02", "3", "1"],
        ["2026-11-09", "1", "2"],
    ]


def test_the_postmortem_reports_need_the_postmortem_permissions(client, defaults, history):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    reader = UserFactory(username="incidents-only")
    reader.user_permissions.add(Permission.objects.get(codename="view_incident"))
    client.force_login(reader)
    html = client.get(HOME, RANGE).content.decode()
    assert 'id="incidents-per-week"' in html
    assert 'id="postmortems"' not in html
    assert 'id="action-items"' not in html
    assert client.get("/insights/postmortems.csv", RANGE).status_code == 403
    assert client.get("/insights/action-items.csv", RANGE).status_code == 403
    assert client.get("/insights/oncall-load.csv", RANGE).status_code == 200


def test_figures_are_reused_for_the_cache_time_then_read_again(client, viewer, history, settings):
    from django.core.cache import cache

    from incidents.models import Incident
    from tests.factories import severity

    settings.FIREBELL_INSIGHTS_CACHE_SECONDS = 60
    cache.clear()
    client.force_login(viewer)
    assert csv_of(client, "incidents-per-week")[1] == ["2026-11-02", "3", "1", "0", "0", "4"]
    Incident.objects.create(
        number=999, title="Late", severity=severity(4), created_at=history.incidents[1].created_at
    )
    # The same filters within the cache time: the figures read a moment ago.
    assert csv_of(client, "incidents-per-week")[1] == ["2026-11-02", "3", "1", "0", "0", "4"]
    # Other filters are other figures; with the cache off, every read is fresh.
    assert csv_of(client, "incidents-per-week", severity="4")[1] == ["2026-11-02", "1", "1"]
    settings.FIREBELL_INSIGHTS_CACHE_SECONDS = 0
    assert csv_of(client, "incidents-per-week")[1] == ["2026-11-02", "3", "1", "0", "1", "5"]
    cache.clear()


def test_the_page_shows_the_six_busiest_services_and_the_csv_all(client, viewer, history):
    from tests.factories import ServiceFactory
    from tests.insights.conftest import _incident

    for n in range(6):  # six more services, one acknowledged incident each in week A
        service = ServiceFactory(name=f"Quiet {n}", slug=f"quiet-{n}")
        _incident(200 + n, 3, history.incidents[1].created_at, [service], ack=30)
    client.force_login(viewer)
    html = client.get(HOME, RANGE).content.decode()
    section = html[html.index('id="mtta-by-service"') : html.index('id="mttr-by-severity"')]
    assert section.count("<h3>") == 6
    assert "<h3>Payments</h3>" in section  # 4 measured
    assert "<h3>Search</h3>" not in section  # 1 measured, like each quiet one: by name, Search last
    assert "The charts and the table show the 6 busiest; the CSV has all 8." in section
    assert ">Search</td>" not in section
    rows = csv_of(client, "mtta-by-service")
    assert [row[1] for row in rows[1:]].count("Search") == 1
    assert len(rows) == 1 + 8 + 1  # header, 8 groups in week A, Payments in week B
