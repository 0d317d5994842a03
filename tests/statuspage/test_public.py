"""The public status page: component states from incidents, publishing rules (nothing
internal ever leaks), maintenance, uptime bars, caching, the feeds and the JSON summary."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from core.clock import frozen_at
from incidents import services as incident_services
from incidents.models import Incident, Source
from statuspage import selectors, services
from statuspage.models import Component, ComponentState, Publication, PublicStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def state_of(component: Component) -> str:
    summary = selectors.status_summary(now=NOW)
    return next(v.state for v in summary.components if v.component.pk == component.pk)


def test_a_component_is_operational_then_takes_the_worst_open_incident_of_its_services(
    api_component, declare
):
    with frozen_at(NOW - timedelta(hours=1)):
        assert state_of(api_component) == ComponentState.OPERATIONAL
        minor = declare(rank=3)
    assert state_of(api_component) == ComponentState.DEGRADED
    with frozen_at(NOW - timedelta(minutes=30)):
        major = declare(rank=1)
    assert state_of(api_component) == ComponentState.MAJOR_OUTAGE
    with frozen_at(NOW - timedelta(minutes=10)):
        incident_services.incident_resolve(incident=major, actor=None, source=Source.WEB)
    assert state_of(api_component) == ComponentState.DEGRADED
    api_component.partial_outage_rank = 3  # its own rule: SEV-3 counts as a partial outage
    api_component.save()
    assert state_of(api_component) == ComponentState.PARTIAL_OUTAGE
    api_component.manual_state = ComponentState.OPERATIONAL  # set by hand wins
    api_component.save()
    assert state_of(api_component) == ComponentState.OPERATIONAL
    assert minor.is_open


def test_maintenance_puts_its_components_under_maintenance_only_between_start_and_end(
    api_component,
):
    services.maintenance_schedule(
        actor=None,
        title="Database upgrade",
        body="Read-only for 20 minutes.",
        starts_at=NOW + timedelta(hours=1),
        ends_at=NOW + timedelta(hours=2),
        components=[api_component],
    )
    summary = selectors.status_summary(now=NOW)
    assert summary.components[0].state == ComponentState.OPERATIONAL
    assert [m.title for m in summary.maintenance_upcoming] == ["Database upgrade"]
    later = selectors.status_summary(now=NOW + timedelta(minutes=90))
    assert later.components[0].state == ComponentState.MAINTENANCE
    assert [m.title for m in later.maintenance_now] == ["Database upgrade"]


def test_uptime_bars_count_outage_time_per_day_over_90_days(api_component, declare):
    day = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    with frozen_at(day):
        incident = declare(rank=1)
    with frozen_at(day + timedelta(hours=6)):
        incident_services.incident_resolve(incident=incident, actor=None, source=Source.WEB)
    view = selectors.status_summary(now=NOW).components[0]
    assert len(view.days) == 90
    assert view.days[-1].day.isoformat() == "2026-12-01"
    bad = {d.day.isoformat(): d for d in view.days if d.uptime < 100}
    assert list(bad) == ["2026-11-29"]
    assert bad["2026-11-29"].uptime == 75.0
    assert bad["2026-11-29"].state == ComponentState.MAJOR_OUTAGE
    assert view.uptime == round((89 * 100 + 75) / 90, 2)


def publish(client, incident, **data):
    return client.post(
        f"/incidents/{incident.number}/status-page/publish/",
        {
            "title": "Elevated API error rates",
            "status": "investigating",
            "body": "We are looking into errors on the API.",
            **data,
        },
    )


def test_nothing_internal_ever_reaches_the_public_page_feeds_or_json(
    client, responder, api_component, declare, django_capture_on_commit_callbacks
):
    incident = declare(
        title="SECRET-TITLE pg-07", summary="SECRET-SUMMARY", customer_impact="SECRET-IMPACT"
    )
    incident_services.incident_add_note(
        incident=incident, text="SECRET-NOTE root password rotated", actor=None, source=Source.WEB
    )
    incident_services.incident_post_stakeholder_update(
        incident=incident,
        body="SECRET-STAKEHOLDER",
        actor=None,
        source=Source.WEB,
        impact="SECRET-STAKEHOLDER-IMPACT",
        eta="SECRET-ETA",
    )
    public = Client()
    urls = ["/status/", "/status/feed.atom", "/status/feed.rss", "/status/api/summary.json"]
    before = {url: public.get(url).content.decode() for url in urls}
    assert "Elevated API error rates" not in before["/status/"]  # unpublished: not there
    client.force_login(responder)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish(client, incident, components=[api_component.pk]).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/incidents/{incident.number}/status-page/update/",
            {"status": "identified", "body": "A database node failed; traffic moved."},
        )
    for url in urls:
        response = public.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "SECRET" not in text, url
        assert "Elevated API error rates" in text, url
        assert "A database node failed; traffic moved." in text, url
    document = json.loads(public.get("/status/api/summary.json").content)
    assert document["incidents"][0]["status"] == "identified"
    assert document["components"][0]["status"] == "partial_outage"


def test_viewers_cannot_publish_and_an_incident_is_published_once(
    client, viewer, responder, api_component, declare
):
    incident = declare()
    client.force_login(viewer)
    assert publish(client, incident).status_code == 403
    client.force_login(responder)
    assert publish(client, incident).status_code == 302
    again = publish(client, incident)
    assert again.status_code == 409
    assert publish(client, declare(), title="").status_code == 400


def test_the_incident_page_shows_the_publish_form_with_a_template_for_responders(
    client, responder, api_component, declare
):
    incident = declare()
    client.force_login(responder)
    page = client.get(f"/incidents/{incident.number}/").content.decode()
    assert "Publish on the status page" in page
    assert "We are investigating reports of problems with Public API." in page


def test_the_page_is_public_cacheable_answers_304_and_changes_after_an_update(
    responder, api_component, declare, django_capture_on_commit_callbacks
):
    public = Client()
    first = public.get("/status/")
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public, max-age=")
    assert public.get("/status/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(rank=1)  # declared: the cached page is cleared after commit
    second = public.get("/status/")
    assert second["ETag"] != first["ETag"]
    assert "Major outage" in second.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.publication_create(
            incident=incident,
            actor=responder,
            title="API down",
            status=PublicStatus.INVESTIGATING,
            body="Looking.",
            components=[api_component],
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.public_update_post(
            publication=publication, actor=responder, status=PublicStatus.RESOLVED, body="Fixed."
        )
    third = public.get("/status/").content.decode()
    assert "Fixed." in third
    assert "status-incident resolved" in third


def test_the_status_host_serves_only_the_status_page_at_its_root(client, settings, api_component):
    settings.FIREBELL_STATUS_PAGE_HOST = "status.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "status.example.com"]
    # A new client builds its handler, and so the middleware, with these settings.
    public = Client(HTTP_HOST="status.example.com")
    page = public.get("/")
    assert page.status_code == 200
    assert "Public API" in page.content.decode()
    assert public.get("/api/summary.json").json()["components"][0]["name"] == "Public API"
    assert public.get("/incidents/").status_code == 404
    assert public.get("/admin/").status_code == 404
    assert client.get("/status/").status_code == 200  # the usual host is unchanged


def test_clean_days_are_drawn_as_runs_and_every_day_is_covered_once(api_component, declare):
    day = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    with frozen_at(day):
        incident = declare(rank=1)
    with frozen_at(day + timedelta(hours=6)):
        incident_services.incident_resolve(incident=incident, actor=None, source=Source.WEB)
    view = selectors.status_summary(now=NOW).components[0]
    bars = view.bars
    assert [bar.css for bar in bars] == ["run-operational", "day-major_outage", "run-operational"]
    assert sum(bar.days for bar in bars) == 90
    assert bars[1].label == "2026-11-29: 75.0%, 360 min of outage"
    assert bars[2].x == bars[1].x + 4


@pytest.mark.parametrize(
    ("published", "incident_status", "suggested"),
    [
        (None, "triggered", PublicStatus.INVESTIGATING),
        (None, "mitigated", PublicStatus.MONITORING),
        (None, "resolved", PublicStatus.RESOLVED),
        (PublicStatus.INVESTIGATING, "acknowledged", PublicStatus.IDENTIFIED),
        (PublicStatus.IDENTIFIED, "resolved", PublicStatus.RESOLVED),
        (PublicStatus.MONITORING, "triggered", PublicStatus.RESOLVED),
    ],
)
def test_the_next_public_update_follows_the_incident_never_back_to_investigating(
    published, incident_status, suggested
):
    incident = Incident(status=incident_status)
    publication = None if published is None else Publication(status=published)
    assert selectors.suggested_public_status(incident, publication) == suggested


def test_a_resolved_incident_suggests_a_resolved_public_update(
    client, responder, api_component, declare
):
    incident = declare()
    incident_services.incident_resolve(incident=incident, actor=None, source=Source.WEB)
    client.force_login(responder)
    page = client.get(f"/incidents/{incident.number}/").content.decode()
    assert re.search(r'<option value="resolved" selected>', page)
    assert not re.search(r'<option value="investigating" selected>', page)
