"""Browser views, checked for every actor, for htmx and plain requests, and for query counts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Incident, IncidentStatus, Role, Source, TimelineEvent
from tests.factories import ServiceFactory, UserFactory, severity

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx(target: str) -> dict[str, str]:
    return {**HTMX, "HTTP_HX_TARGET": target}


def declare(actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    kwargs.setdefault("severity", severity(2))
    return services.incident_create(actor=actor, source=Source.WEB, **kwargs)


@pytest.fixture
def incident(responder) -> Incident:
    return declare(responder, services=[ServiceFactory(name="Payments", slug="payments")])


def _url(name: str, incident: Incident | None = None, *args) -> str:
    return reverse(f"incidents:{name}", args=[incident.number, *args] if incident else args)


PAGES = ["board", "list", "declare", "detail"]


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PAGES, "counts", "oncall_line"])
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
    assert client.get(_url("region", incident, "incident-header")).status_code == 404
    assert client.get(_url("stamp", incident)).status_code == 404
    assert client.get(_url("board")).status_code == 403
    assert client.get(_url("list")).status_code == 403
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 404


def test_an_unknown_incident_is_404(client, responder):
    client.force_login(responder)
    assert client.get("/incidents/999/").status_code == 404


POSTS = [
    ("transition", ("acknowledge",), {}),
    ("severity", (), {"severity": "SEV1"}),
    ("role_assign", (), {"role": "commander", "kind": "primary", "me": "1"}),
    ("role_unassign", (), {"role": "commander", "kind": "primary"}),
    ("note", (), {"text": "hello"}),
    ("update", (), {"body": "All fine"}),
]


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_viewers_are_refused_every_action_with_403(client, incident, viewer, name, args, data):
    client.force_login(viewer)
    before = TimelineEvent.objects.count()
    assert client.post(_url(name, incident, *args), data).status_code == 403
    assert client.post(_url(name, incident, *args), data, **HTMX).status_code == 403
    assert TimelineEvent.objects.count() == before


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_outsiders_are_refused_every_action_with_404(client, incident, outsider, name, args, data):
    client.force_login(outsider)
    assert client.post(_url(name, incident, *args), data).status_code == 404


@pytest.mark.parametrize(("name", "args", "data"), POSTS)
def test_anonymous_actions_redirect_to_login(client, incident, name, args, data):
    response = client.post(_url(name, incident, *args), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_actions_refuse_get(client, incident, responder):
    client.force_login(responder)
    assert client.get(_url("transition", incident, "acknowledge")).status_code == 405


# --- login ---------------------------------------------------------------------------------------


def test_login_page_signs_in_and_lands_on_the_board(client, responder):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"),
        {"username": responder.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:board")


def test_top_bar_shows_the_user_and_open_counts_by_severity(client, responder):
    declare(responder, severity=severity(1))
    declare(responder, severity=severity(1))
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert responder.get_username() in html
    assert "SEV-1 <strong>2</strong>" in html
    assert "SEV-4 <strong>0</strong>" in html


def _nav(response) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', response.content.decode(), re.S).group(0)


def test_the_top_bar_links_what_each_person_may_open_and_marks_the_current_page(
    client, viewer, admin_user, outsider
):
    client.force_login(outsider)
    nav = _nav(client.get(_url("board")))  # refused (403), but the page has the top bar
    assert "On-call" not in nav
    assert "Integrations" not in nav
    assert "Declare incident" not in nav
    client.force_login(viewer)
    nav = _nav(client.get(_url("list")))
    assert f'<a href="{_url("list")}" aria-current="page">Incidents</a>' in nav
    assert f'<a href="{_url("board")}" >Board</a>' in nav
    assert f'href="{reverse("oncall:home")}"' in nav
    assert f'href="{reverse("alerts:integrations")}"' in nav
    assert "Declare incident" not in nav
    client.force_login(admin_user)
    nav = client.get(_url("declare")).content.decode()
    assert (
        f'<a class="nav-declare" href="{_url("declare")}" aria-current="page">Declare incident</a>'
    ) in nav
    assert f'href="{reverse("alerts:integrations")}"' in nav


def test_the_top_bar_names_the_person_and_shows_outsiders_no_counts(client, responder, outsider):
    responder.first_name, responder.last_name = "Rita", "Ramos"
    responder.save()
    client.force_login(responder)
    assert '<span class="username">Rita Ramos</span>' in client.get(_url("board")).content.decode()
    client.force_login(outsider)
    refused = client.get(_url("board"))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert '<span class="username">olga-outsider</span>' in html
    assert "SEV-1" not in html


def test_the_counts_poll_answers_the_badges_alone(client, responder):
    declare(responder, severity=severity(1))
    client.force_login(responder)
    response = client.get(_url("counts"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="open-counts"')
    assert "SEV-1 <strong>1</strong>" in html
    assert 'title="1 open SEV-1 incident"' in html
    assert 'title="0 open SEV-2 incidents"' in html
    assert "<html" not in html


def test_the_oncall_line_is_fetched_after_the_page_loads_and_then_every_minute(client, responder):
    from oncall.models import Rotation, RotationParticipant, Schedule

    client.force_login(responder)
    board = client.get(_url("board")).content.decode()
    placeholder = re.search(r'<span id="oncall-status"[^>]*>', board).group(0)
    assert f'hx-get="{_url("oncall_line")}"' in placeholder
    assert 'hx-trigger="load"' in placeholder
    off_call = client.get(_url("oncall_line"), **HTMX).content.decode()
    assert 'class="oncall"' not in off_call
    assert 'hx-trigger="every 60s"' in off_call
    schedule = Schedule.objects.create(name="Payments", slug="payments-line")
    rotation = Rotation.objects.create(
        schedule=schedule, name="Main", shift_kind="daily", start_date="2020-01-01"
    )
    RotationParticipant.objects.create(rotation=rotation, user=responder, position=0)
    on_call = client.get(_url("oncall_line"), **HTMX).content.decode()
    assert re.search(
        r'class="oncall"[^>]*>You are on call for Payments until \w{3} \d\d:\d\d<', on_call
    )
    assert 'hx-trigger="every 60s"' in on_call


def test_the_oncall_line_reads_whatever_oncall_selectors_offers(monkeypatch, responder):
    import types

    from incidents.templatetags import firebell_ui

    fake = types.ModuleType("oncall.selectors")
    fake.oncall_status_for_user = lambda *, user: "You are on call for Payments until Fri 09:00"
    monkeypatch.setitem(__import__("sys").modules, "oncall.selectors", fake)
    assert firebell_ui.oncall_status(responder) == "You are on call for Payments until Fri 09:00"

    def broken(*, user):
        raise RuntimeError("schedule bug")

    fake.oncall_status_for_user = broken
    assert firebell_ui.oncall_status(responder) is None


# --- board ---------------------------------------------------------------------------------------


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
    assert columns == {
        IncidentStatus.TRIGGERED: [str(high.number), str(low.number)],
        IncidentStatus.ACKNOWLEDGED: [str(acked.number)],
        IncidentStatus.MITIGATED: [],
    }
    assert 'hx-trigger="every 5s' in html
    assert "Gone one" not in html


def test_a_full_board_says_so_and_links_to_every_open_incident(client, responder, monkeypatch):
    from incidents import views

    monkeypatch.setattr(views, "BOARD_LIMIT", 2)
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


# --- list ----------------------------------------------------------------------------------------


def test_list_filters_by_status_severity_service_commander_and_text(
    client, responder, other_responder
):
    payments = ServiceFactory(name="Payments", slug="payments")
    a = declare(responder, title="Card errors", severity=severity(1), services=[payments])
    b = declare(
        other_responder, title="Slow search", severity=severity(3), commander=other_responder
    )
    services.incident_acknowledge(incident=b, actor=responder, source=Source.WEB)
    client.force_login(responder)

    def numbers(query: str) -> list[int]:
        response = client.get(f"{_url('list')}?{query}")
        assert response.status_code == 200
        return [i.number for i in response.context["page_obj"].object_list]

    assert numbers("") == [b.number, a.number]
    assert numbers("status=acknowledged") == [b.number]
    assert numbers("severity=1") == [a.number]
    assert numbers("service=payments") == [a.number]
    assert numbers(f"commander={other_responder.username}") == [b.number]
    assert numbers("q=search") == [b.number]
    assert numbers(f"q=%23{a.number}") == [a.number]
    assert numbers("created_after=2000-01-01&created_before=2000-01-02") == []


def test_list_paginates_and_answers_htmx_with_the_results_only(client, responder):
    for n in range(55):
        declare(responder, title=f"Incident {n}")
    client.force_login(responder)
    response = client.get(f"{_url('list')}?page=2", **htmx("incident-results"))
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="incident-results"' in html
    assert len(response.context["page_obj"].object_list) == 5


# --- declare -------------------------------------------------------------------------------------


def test_declare_shows_what_each_severity_means_and_defaults_the_commander_to_me(client, responder):
    client.force_login(responder)
    response = client.get(_url("declare"))
    html = response.content.decode()
    assert "Complete outage, data loss, security breach." in html
    assert response.context["form"].initial["commander"] == responder.pk


def test_declaring_creates_the_incident_with_me_as_commander_and_redirects(client, responder):
    payments = ServiceFactory(name="Payments", slug="payments")
    client.force_login(responder)
    response = client.post(
        _url("declare"),
        {"title": "Card errors", "severity": severity(1).pk, "services": [payments.pk]},
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("detail", incident)
    assert list(incident.services.all()) == [payments]
    from incidents.selectors import incident_commander

    assert incident_commander(incident) == responder


def test_declaring_without_a_title_shows_the_form_again(client, responder):
    client.force_login(responder)
    response = client.post(_url("declare"), {"title": "", "severity": severity(1).pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Incident.objects.exists()


# --- incident page -------------------------------------------------------------------------------


def test_incident_page_shows_every_region(client, incident, responder):
    client.force_login(responder)
    html = client.get(_url("detail", incident)).content.decode()
    for region in (
        "incident-header",
        "incident-actions",
        "incident-roles",
        "incident-timeline",
        "incident-updates",
        "update-composer",
        "note-form",
        "incident-stamp",
    ):
        assert f'id="{region}"' in html, region
    assert "incident-changed" in html
    assert "Status: Triggered" in html  # the stakeholder draft


@pytest.mark.parametrize(
    "region",
    [
        "incident-header",
        "incident-actions",
        "incident-roles",
        "incident-timeline",
        "incident-updates",
        "update-composer",
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
    region = _url("region", incident, "incident-timeline")

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
    html = client.get(f"{_url('region', incident, 'incident-timeline')}?kind=notes").content
    html = html.decode()
    assert "&lt;b&gt;db&lt;/b&gt; down<br>failing over" in html
    assert "<b>db</b>" not in html
    assert f"{responder.username} · Web" in html
    assert '<option value="notes" selected>Notes</option>' in html
    assert "kind-incidentnote_added" in html
    TimelineEvent.objects.create(
        incident=incident, kind="incident.updated", source="api", data={"from": "A", "to": "B"}
    )
    changes = client.get(f"{_url('region', incident, 'incident-timeline')}?kind=changes")
    changes = changes.content.decode()
    assert "Severity changed from SEV-2 to SEV-1" in changes
    assert '<p class="event-message">A → B</p>' in changes


def _timeline_html(client, incident) -> str:
    return client.get(_url("region", incident, "incident-timeline")).content.decode()


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


def test_a_rendered_entry_is_never_served_for_another_with_the_same_id(responder):
    from incidents import views
    from incidents.selectors import TimelineEntry

    def entry(message: str) -> TimelineEntry:
        moment = datetime(2026, 11, 30, 4, 41, tzinfo=UTC)
        return TimelineEntry(
            1, "incident.note_added", "web", message, moment, None, None, None, None
        )

    first = views._timeline_rows_html([entry("first")], UTC)[0]
    second = views._timeline_rows_html([entry("second")], UTC)[0]
    assert "first" in first
    assert "second" in second


def test_the_rendered_entries_stay_within_their_bound(client, incident, responder, monkeypatch):
    from incidents import views

    monkeypatch.setattr(views._RENDERED_ENTRIES, "max_chars", 2_000)
    for n in range(12):
        services.incident_add_note(
            incident=incident, text=f"note {n}", actor=responder, source="web"
        )
    client.force_login(responder)
    html = _timeline_html(client, incident)
    assert all(f"note {n}<" in html for n in range(12))
    assert views._RENDERED_ENTRIES.chars <= 2_000


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("acknowledge", IncidentStatus.ACKNOWLEDGED),
        ("mitigate", IncidentStatus.MITIGATED),
        ("resolve", IncidentStatus.RESOLVED),
    ],
)
def test_an_action_returns_the_actions_region_and_tells_the_others(
    client, incident, responder, action, status
):
    client.force_login(responder)
    response = client.post(_url("transition", incident, action), **htmx("incident-actions"))
    assert response.status_code == 200
    assert 'id="incident-actions"' in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {
        "incident-changed": {"region": "incident-actions"}
    }
    incident.refresh_from_db()
    assert incident.status == status


def test_without_javascript_an_action_redirects_back_to_the_incident(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 302
    assert response["Location"] == _url("detail", incident)


def test_close_and_reopen_follow_resolve(client, incident, responder):
    client.force_login(responder)
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.post(_url("transition", incident, "reopen"), {"note": "Came back"}, **HTMX)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIGGERED
    assert TimelineEvent.objects.filter(kind="incident.reopened", message="Came back").exists()
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.post(_url("transition", incident, "close"), **HTMX)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_an_unknown_action_is_404(client, incident, responder):
    client.force_login(responder)
    assert client.post(_url("transition", incident, "explode")).status_code == 404


def test_an_illegal_transition_is_a_409_with_the_services_message_in_the_error_region(
    client, incident, responder
):
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"), **htmx("incident-actions"))
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#flash"
    assert response["HX-Reswap"] == "innerHTML"
    html = response.content.decode()
    assert f"Incident #{incident.number} is resolved; it cannot be acknowledged" in html
    assert "HX-Trigger" not in response


def test_an_illegal_transition_without_javascript_is_a_409_page_with_the_message(
    client, incident, responder
):
    services.incident_resolve(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    response = client.post(_url("transition", incident, "acknowledge"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "is resolved; it cannot be acknowledged" in html
    assert "<html" in html


def test_base_page_configures_htmx_to_show_error_answers(client, responder):
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert '"code":"(400|403|404|409)","swap":true' in html
    assert 'id="flash"' in html
    assert 'hx-headers=\'{"X-CSRFToken"' in html
    assert "/static/vendor/htmx.min.js" in html


def test_changing_severity_records_it(client, incident, responder):
    client.force_login(responder)
    response = client.post(
        _url("severity", incident), {"severity": severity(1).pk}, **htmx("incident-actions")
    )
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.severity == severity(1)


def test_a_bad_severity_is_a_400_with_a_message(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("severity", incident), {"severity": "x"}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#flash"


def test_taking_and_assigning_roles_in_one_click(client, incident, responder, other_responder):
    client.force_login(responder)
    response = client.post(
        _url("role_assign", incident),
        {"role": "tech", "kind": "primary", "me": "1"},
        **htmx("incident-roles"),
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["incident-changed"]["region"] == "incident-roles"
    client.post(
        _url("role_assign", incident),
        {"role": "commander", "kind": "secondary", "user": other_responder.pk},
        **htmx("incident-roles"),
    )
    held = {
        (a.role.slug, a.kind): a.user
        for a in incident.assignments.filter(ended_at__isnull=True).select_related("role")
    }
    assert held[("tech", "primary")] == responder
    assert held[("commander", "secondary")] == other_responder
    client.post(_url("role_unassign", incident), {"role": "tech", "kind": "primary"}, **HTMX)
    assert not incident.assignments.filter(
        role=Role.objects.get(slug="tech"), ended_at__isnull=True
    ).exists()


def test_person_pickers_list_responders_escaped_with_the_holder_selected(
    client, incident, responder, other_responder
):
    other_responder.first_name, other_responder.last_name = "<i>Ron</i>", "R"
    other_responder.save()
    services.incident_assign_role(
        incident=incident,
        role=Role.objects.get(slug="tech"),
        user=other_responder,
        actor=responder,
        source=Source.WEB,
    )
    client.force_login(responder)
    html = client.get(_url("region", incident, "incident-roles")).content.decode()
    ron = f'<option value="{other_responder.pk}" selected>&lt;i&gt;Ron&lt;/i&gt; R</option>'
    assert html.count(ron) == 1  # the Technical Lead's primary slot
    assert html.count(f'<option value="{other_responder.pk}">&lt;i&gt;Ron') == 7
    assert f'<option value="{responder.pk}">{responder.username}</option>' in html
    assert "<i>Ron</i>" not in html


def test_assigning_a_role_to_nobody_is_a_400(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("role_assign", incident), {"role": "tech", "kind": "primary"})
    assert response.status_code == 400
    assert "Choose who takes the role." in response.content.decode()


def test_a_note_returns_an_empty_note_form_and_refreshes_the_timeline(client, incident, responder):
    client.force_login(responder)
    response = client.post(_url("note", incident), {"text": "Rolled back"}, **htmx("note-form"))
    html = response.content.decode()
    assert 'id="note-form"' in html
    assert "Rolled back" not in html
    assert json.loads(response["HX-Trigger"])["incident-changed"]["region"] == "note-form"
    assert TimelineEvent.objects.filter(kind="incident.note_added", message="Rolled back").exists()


def test_an_empty_note_is_a_400(client, incident, responder):
    client.force_login(responder)
    assert client.post(_url("note", incident), {"text": ""}, **HTMX).status_code == 400


def test_posting_a_stakeholder_update_returns_a_fresh_composer(client, incident, responder):
    client.force_login(responder)
    response = client.post(
        _url("update", incident),
        {"body": "We are on it", "impact": "EU card payments", "eta": "30m"},
        **htmx("update-composer"),
    )
    assert response.status_code == 200
    assert "Status: Triggered" in response.content.decode()
    update = incident.stakeholder_updates.get()
    assert (update.body, update.impact, update.eta) == ("We are on it", "EU card payments", "30m")


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
    assert json.loads(changed["HX-Trigger"]) == {"incident-changed": {"region": "stamp"}}
    synced = client.get(f"{_url('stamp', incident)}?stamp={stamp}&sync=1", **HTMX)
    assert "HX-Trigger" not in synced


# --- query counts --------------------------------------------------------------------------------


def _make_incidents(count: int, actor) -> list[Incident]:
    payments = ServiceFactory(name="Payments", slug="payments")
    search = ServiceFactory(name="Search", slug="search")
    made = []
    for n in range(count):
        made.append(
            declare(
                actor,
                title=f"Incident {n}",
                severity=severity(n % 4 + 1),
                services=[payments, search],
                commander=actor,
            )
        )
    return made


def _queries(client, django_assert_max_num_queries, url: str, **headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(url, **headers)
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "headers"),
    [("/", {}), ("/", htmx("board")), ("/incidents/", {}), ("/incidents/?severity=1", {})],
)
def test_board_and_list_run_the_same_number_of_queries_for_2_or_30_incidents(
    client, responder, django_assert_max_num_queries, url, headers
):
    client.force_login(responder)
    _make_incidents(2, responder)
    few = _queries(client, django_assert_max_num_queries, url, **headers)
    UserFactory(username="extra-responder")  # one more person in the commander filter
    for incident in _make_incidents(28, responder):
        services.incident_assign_role(
            incident=incident,
            role=Role.objects.get(slug="tech"),
            user=responder,
            actor=None,
            source=Source.SYSTEM,
        )
    many = _queries(client, django_assert_max_num_queries, url, **headers)
    assert few == many


def test_the_timeline_shows_the_newest_100_entries_and_links_to_the_whole_of_it(
    client, incident, responder
):
    TimelineEvent.objects.bulk_create(
        TimelineEvent(incident=incident, kind="incident.note_added", message=f"note {n}")
        for n in range(120)
    )
    client.force_login(responder)
    url = _url("region", incident, "incident-timeline")
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
    incident = _make_incidents(1, responder)[0]
    url = _url("detail", incident)
    few = _queries(client, django_assert_max_num_queries, url)
    for n in range(30):
        services.incident_add_note(
            incident=incident, text=f"note {n}", actor=responder, source="web"
        )
    services.incident_post_stakeholder_update(
        incident=incident, body="Update", actor=responder, source="web"
    )
    many = _queries(client, django_assert_max_num_queries, url)
    assert few == many


# --- sections fed by apps built alongside (guarded) ---------------------------------------------


def test_escalate_now_appears_and_calls_the_engine_when_oncall_offers_it(
    client, incident, responder, monkeypatch
):
    from incidents import views

    calls = []
    monkeypatch.setattr(views, "_escalate_now", lambda: lambda **kwargs: calls.append(kwargs))
    client.force_login(responder)
    assert "Escalate now" in client.get(_url("detail", incident)).content.decode()
    response = client.post(_url("transition", incident, "escalate"), **htmx("incident-actions"))
    assert response.status_code == 200
    assert calls[0]["actor"] == responder
    assert calls[0]["source"] == Source.WEB


def test_escalate_now_is_absent_without_the_engine(client, incident, responder, monkeypatch):
    from incidents import views

    monkeypatch.setattr(views, "_escalate_now", lambda: None)
    client.force_login(responder)
    assert "Escalate now" not in client.get(_url("detail", incident)).content.decode()
    assert client.post(_url("transition", incident, "escalate")).status_code == 404


def test_the_oncall_line_is_built_from_the_users_current_shift(monkeypatch, responder):
    import sys
    import types
    from datetime import datetime, timedelta

    from incidents.templatetags import firebell_ui

    now = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)  # a Thursday
    shift = types.SimpleNamespace(
        schedule=types.SimpleNamespace(name="Payments"),
        start_at=now - timedelta(hours=3),
        end_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    fake = types.ModuleType("oncall.selectors")
    fake.user_shifts = lambda user, *, start, end: [shift]
    monkeypatch.setitem(sys.modules, "oncall.selectors", fake)
    monkeypatch.setattr(firebell_ui.clock, "now", lambda: now)
    assert firebell_ui.oncall_status(responder) == "You are on call for Payments until Fri 09:00"
    fake.user_shifts = lambda user, *, start, end: []
    assert firebell_ui.oncall_status(responder) is None


@pytest.mark.postgres
def test_text_search_uses_the_trigram_indexes_on_postgresql(responder):
    from django.db import connection

    from incidents.selectors import IncidentFilters, incident_rows

    with connection.cursor() as cursor:
        # With a handful of rows any plan will do: leave the planner only bitmap scans to pick from.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        try:
            rows = incident_rows(user=responder, filters=IncidentFilters(text="checkout"))
            plan = rows.order_by().explain()  # as the paginator's count runs it
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "incident_title_trgm_idx" in plan
    assert "incident_summary_trgm_idx" in plan
