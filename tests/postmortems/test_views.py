from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from incidents.models import IncidentStatus, Source
from postmortems import selectors, services
from postmortems.models import ActionItem, Postmortem, PostmortemStatus
from tests.postmortems.conftest import declare, resolve
from tests.ui import htmx


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, attrs))


def assert_no_script(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag != "script" or dict(attrs).get("src", "").startswith("/static/"), html
        assert tag not in {"iframe", "svg", "object", "embed"}, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            assert not (value or "").strip().lower().startswith("javascript:"), html


@pytest.fixture
def postmortem(busy_incident, responder):
    return services.postmortem_create(incident=busy_incident, actor=responder, source=Source.WEB)


def url(name: str, *args) -> str:
    return reverse(f"postmortems:{name}", args=args)


def test_the_incident_page_offers_to_start_one_and_shows_it_once_started(
    client, responder, busy_incident
):
    client.force_login(responder)
    page = client.get(reverse("incidents:detail", args=[busy_incident.number])).content.decode()
    assert 'id="incident_postmortem"' in page
    assert "Start post-mortem" in page
    answer = client.post(url("start", busy_incident.number))
    postmortem = Postmortem.objects.get(incident=busy_incident)
    assert answer.status_code == 302
    assert answer["Location"] == f"/postmortems/{postmortem.pk}/"
    page = client.get(reverse("incidents:detail", args=[busy_incident.number])).content.decode()
    assert "Start post-mortem" not in page
    assert "Open the post-mortem" in page
    again = client.post(url("start", busy_incident.number), **htmx("incident_actions"))
    assert again.status_code == 409


def test_the_board_and_list_show_the_postmortem_badge(client, responder):
    incident = resolve(declare(responder, rank=1))
    client.force_login(responder)
    listing = client.get(reverse("incidents:list")).content.decode()
    assert "Post-mortem: draft" in listing
    assert incident.postmortem.status == PostmortemStatus.DRAFT


def test_the_editor_saves_a_section_and_says_so(client, responder, postmortem):
    client.force_login(responder)
    page = client.get(url("detail", postmortem.pk)).content.decode()
    assert 'id="section_summary"' in page
    assert "Writing it blameless" in page
    answer = client.post(
        url("section", postmortem.pk, "summary"),
        {"body": "Checkout **failed**", "base_version": 1},
        **htmx("section_summary"),
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Saved" in html
    assert "<strong>failed</strong>" in html
    assert 'name="base_version" value="2"' in html


def test_a_stale_save_answers_409_and_keeps_the_other_text(
    client, responder, other_responder, postmortem
):
    services.section_save(
        section=selectors.section_get(postmortem=postmortem, key="summary"),
        actor=other_responder,
        body="Theirs",
        base_version=1,
    )
    client.force_login(responder)
    answer = client.post(
        url("section", postmortem.pk, "summary"),
        {"body": "Mine", "base_version": 1},
        **htmx("section_summary"),
    )
    assert answer.status_code == 409
    assert "ron-responder saved" in answer.content.decode()
    assert answer["HX-Retarget"] == "#flash"
    assert selectors.section_get(postmortem=postmortem, key="summary").body == "Theirs"


def test_bad_section_input_is_400_naming_the_field(client, responder, postmortem):
    client.force_login(responder)
    answer = client.post(url("section", postmortem.pk, "summary"), {"body": "x"}, **htmx("x"))
    assert answer.status_code == 400
    assert "Version" in answer.content.decode()


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_the_preview_and_the_page_never_carry_script(client, responder, postmortem, markdown):
    client.force_login(responder)
    preview = client.post(url("preview", postmortem.pk, "summary"), {"body": markdown})
    assert preview.status_code == 200
    services.section_save(
        section=selectors.section_get(postmortem=postmortem, key="summary"),
        actor=responder,
        body=markdown,
        base_version=1,
    )
    for html in (
        preview.content.decode(),
        client.get(url("print", postmortem.pk)).content.decode(),
    ):
        # Text that only shows the attack (escaped, or a link markdown-it refused) is harmless;
        # what must never appear is a real element or attribute.
        assert_no_script(html)


def test_curating_the_timeline_from_the_page(client, responder, postmortem):
    client.force_login(responder)
    entry = selectors.timeline_entries(postmortem=postmortem).filter(is_key=False).first()
    answer = client.post(
        url("timeline-entry", postmortem.pk, entry.pk), {"is_key": "true"}, **htmx("pm_timeline")
    )
    assert answer.status_code == 200
    assert f'id="entry-{entry.pk}" class="pm-key"' in answer.content.decode()
    answer = client.post(
        url("timeline-add", postmortem.pk),
        {"occurred_at": "2026-01-01T10:00", "text": "Config pushed"},
        **htmx("pm_timeline"),
    )
    assert "Config pushed" in answer.content.decode()
    bad = client.post(url("timeline-add", postmortem.pk), {"text": ""}, **htmx("pm_timeline"))
    assert bad.status_code == 400


def test_review_and_publish_from_the_page_close_the_incident(
    client, responder, other_responder, postmortem
):
    client.force_login(responder)
    answer = client.post(url("submit", postmortem.pk), {"reviewers": [other_responder.pk]})
    assert answer.status_code == 302
    client.force_login(other_responder)
    page = client.get(url("detail", postmortem.pk)).content.decode()
    assert "Approve" in page
    assert client.post(url("review", postmortem.pk), {"decision": "approve"}).status_code == 302
    assert client.post(url("publish", postmortem.pk)).status_code == 302
    postmortem.refresh_from_db()
    postmortem.incident.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert postmortem.incident.status == IncidentStatus.CLOSED
    page = client.get(url("detail", postmortem.pk)).content.decode()
    assert "<textarea" not in page  # published: read-only until reopened
    assert "Reopen" in page


def test_viewers_read_but_cannot_write_and_outsiders_get_404(client, viewer, outsider, postmortem):
    client.force_login(viewer)
    page = client.get(url("detail", postmortem.pk))
    assert page.status_code == 200
    assert "<textarea" not in page.content.decode()
    answer = client.post(
        url("section", postmortem.pk, "summary"), {"body": "x", "base_version": 1}, **htmx("x")
    )
    assert answer.status_code == 403
    assert client.get(url("list")).status_code == 200
    client.force_login(outsider)
    assert client.get(url("detail", postmortem.pk)).status_code == 404
    assert client.get(url("markdown", postmortem.pk)).status_code == 404
    assert client.get(url("list")).status_code == 403


def test_the_list_filters_and_searches(client, responder, other_responder, busy_incident):
    services.postmortem_create(incident=busy_incident, actor=responder, source=Source.WEB)
    other = resolve(declare(responder, rank=1, title="Search is slow"))
    services.section_save(
        section=selectors.section_get(postmortem=other.postmortem, key="summary"),
        actor=responder,
        body="The index rebuild saturated the disks",
        base_version=1,
    )
    client.force_login(responder)

    def titles(query: str) -> list[str]:
        html = client.get(url("list") + query, **htmx("pm_results")).content.decode()
        return re.findall(r'<a href="/postmortems/\d+/">([^<]+)</a>', html)

    assert sorted(titles("")) == ["Checkout returns 500", "Search is slow"]
    assert titles("?q=disks") == ["Search is slow"]
    assert titles("?severity=1") == ["Search is slow"]
    assert titles("?author=rita-responder") == ["Checkout returns 500"]
    assert titles("?status=published") == []
    assert titles("?overdue=1") == []


def test_action_items_from_the_incident_and_the_list(client, responder, busy_incident):
    client.force_login(responder)
    answer = client.post(
        url("follow-up", busy_incident.number),
        {"title": "Add a canary", "owner": responder.pk, "priority": "high"},
        **htmx("incident_postmortem"),
    )
    assert answer.status_code == 200
    assert "Add a canary" in answer.content.decode()
    bad = client.post(
        url("follow-up", busy_incident.number),
        {"title": "", "owner": responder.pk, "priority": "high"},
        **htmx("incident_postmortem"),
    )
    assert bad.status_code == 400
    item = ActionItem.objects.get()
    listing = client.get(url("actions") + "?owner=me").content.decode()
    assert "Add a canary" in listing
    answer = client.post(url("item-status", item.pk), {"status": "done"}, **htmx("x"))
    assert answer.status_code == 200
    item.refresh_from_db()
    assert item.status == "done"
    assert "Add a canary" not in client.get(url("actions") + "?status=open").content.decode()


def test_markdown_export_and_print_page(client, responder, postmortem):
    services.section_save(
        section=selectors.section_get(postmortem=postmortem, key="summary"),
        actor=responder,
        body="Checkout failed for 20 minutes.",
        base_version=1,
    )
    services.action_item_create(
        incident=postmortem.incident, actor=responder, title="Add a canary", owner=responder
    )
    client.force_login(responder)
    answer = client.get(url("markdown", postmortem.pk))
    assert answer["Content-Type"].startswith("text/markdown")
    text = answer.content.decode()
    assert text.startswith("# Post-mortem: #1 Checkout returns 500\n")
    assert "## Summary\n\nChecked" not in text
    assert "## Summary\n\nCheckout failed for 20 minutes." in text
    assert "| Time (UTC) | What happened | Who |" in text
    assert "Rolled back deploy 41" in text
    assert "- [ ] Add a canary — rita-responder, medium priority, open" in text
    page = client.get(url("print", postmortem.pk)).content.decode()
    assert "Checkout failed for 20 minutes." in page
    assert "postmortems.css" in page


def test_my_account_lists_my_action_items_and_postmortems(client, responder, postmortem):
    services.action_item_create(
        incident=postmortem.incident, actor=responder, title="Add a canary", owner=responder
    )
    client.force_login(responder)
    page = client.get(reverse("accounts:me")).content.decode()
    assert 'id="my_postmortem_work"' in page
    assert "Add a canary" in page
    assert f"/postmortems/{postmortem.pk}/" in page


def test_a_deleted_owner_shows_as_former_member(client, responder, postmortem):
    from tests.factories import UserFactory

    leaver = UserFactory(username="leaver")
    services.action_item_create(
        incident=postmortem.incident, actor=responder, title="Write the runbook", owner=leaver
    )
    leaver.delete()
    client.force_login(responder)
    page = client.get(url("actions")).content.decode()
    assert "Write the runbook" in page
    assert "former member" in page


def test_the_board_has_a_post_mortem_due_column(client, responder):
    due = resolve(declare(responder, rank=1, title="Database failover"))
    declare(responder, rank=3, title="Still open")  # the board shows columns with an open one
    client.force_login(responder)
    board = client.get(reverse("incidents:board")).content.decode()
    column = board.split('class="board-column column-postmortem_due"', 1)[1]
    assert "Post-mortem due" in column
    assert f"#{due.number}</span> Database failover" in column
    assert "Post-mortem: draft" in column
