"""The incident commander's path through the UI, in a real browser against a live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from incidents import services
from incidents.models import Source
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.browser


def _stays_on_page(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_commander_declares_and_runs_an_incident_without_a_page_reload(
    page: Page, live_server, login, responder, other_responder
):
    ServiceFactory(name="Payments", slug="payments")
    page.on("dialog", lambda dialog: dialog.accept())
    login(responder, "/incidents/declare/")

    page.get_by_label("Title").fill("Card payments failing")
    page.get_by_text("Major functionality broken").click()
    page.get_by_label("Payments").check()
    page.get_by_role("button", name="Declare incident").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Card payments failing")
    page.evaluate("window.__marker = 1")

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#incident-status")).to_have_text("Acknowledged")
    expect(page.locator("#incident_timeline")).to_contain_text("Acknowledged")

    page.get_by_text("Assign Incident Commander (Primary)").click()
    page.get_by_label("Person for Incident Commander (Primary)").select_option(
        label=other_responder.get_username()
    )
    page.locator("#incident_roles").get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#incident_header")).to_contain_text(other_responder.get_username())
    expect(page.locator("#incident_timeline")).to_contain_text("is now Incident Commander")

    page.get_by_label("Add a note").fill("Failing over to the secondary acquirer.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#incident_timeline")).to_contain_text("secondary acquirer")
    expect(page.get_by_label("Add a note")).to_have_value("")

    message = page.locator("#id_update_body")
    expect(message).to_have_value(re.compile("Status: Acknowledged"))
    page.get_by_role("button", name="Post update").click()
    expect(page.locator("#incident_updates")).to_contain_text("Card payments failing")

    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#incident-status")).to_have_text("Resolved")
    expect(page.locator("#incident_header")).not_to_contain_text("so far")
    _stays_on_page(page)


def test_an_illegal_action_shows_the_services_message(page: Page, live_server, login, responder):
    incident = services.incident_create(
        title="Search down", severity=severity(2), actor=responder, source=Source.WEB
    )
    login(responder, f"/incidents/{incident.number}/")
    page.evaluate("window.__marker = 1")
    expect(page.locator("#incident-status")).to_have_text("Triggered")
    services.incident_resolve(incident=incident, actor=None, source=Source.SYSTEM)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#flash")).to_contain_text("Incident #1 is resolved")
    # The page catches up with the change it missed (stamp poll → incident-changed).
    expect(page.locator("#incident-status")).to_have_text("Resolved")
    _stays_on_page(page)


def test_the_board_shows_another_users_acknowledgement_by_itself(
    page: Page, live_server, login, responder, other_responder
):
    incident = services.incident_create(
        title="Login times out", severity=severity(1), actor=responder, source=Source.WEB
    )
    login(responder)
    page.evaluate("window.__marker = 1")
    triggered = page.locator(".board-column.column-triggered")
    expect(triggered).to_contain_text("Login times out")

    services.incident_acknowledge(incident=incident, actor=other_responder, source=Source.WEB)

    expect(page.locator(".board-column.column-acknowledged")).to_contain_text("Login times out")
    expect(triggered).not_to_contain_text("Login times out")
    _stays_on_page(page)


def test_acknowledging_on_the_board_moves_the_card(page: Page, live_server, login, responder):
    services.incident_create(
        title="Emails delayed", severity=severity(3), actor=responder, source=Source.WEB
    )
    login(responder)
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Acknowledge #1").click()
    expect(page.locator(".board-column.column-acknowledged")).to_contain_text("Emails delayed")
    _stays_on_page(page)


def test_a_viewer_sees_no_action_buttons(page: Page, live_server, login, responder, viewer):
    incident = services.incident_create(
        title="Checkout slow", severity=severity(2), actor=responder, source=Source.WEB
    )
    login(viewer)
    expect(page.locator("#board")).to_contain_text("Checkout slow")
    expect(page.locator("#board button")).to_have_count(0)
    page.goto(f"{live_server.url}/incidents/{incident.number}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout slow")
    expect(page.locator("main button")).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)


def test_the_list_filters_without_a_reload(page: Page, live_server, login, responder):
    for title, rank in [("Disk full on db-3", 2), ("Logo misaligned", 4)]:
        services.incident_create(
            title=title, severity=severity(rank), actor=responder, source=Source.WEB
        )
    login(responder, "/incidents/")
    page.evaluate("window.__marker = 1")
    expect(page.locator("#incident_results")).to_contain_text("Logo misaligned")
    page.get_by_label("Search").fill("disk")
    expect(page.locator("#incident_results")).not_to_contain_text("Logo misaligned")
    expect(page.locator("#incident_results")).to_contain_text("Disk full on db-3")
    _stays_on_page(page)


def test_on_a_phone_every_panel_of_the_incident_page_is_full_width(
    page: Page, live_server, login, responder
):
    """At 390 px the side panels (roles, pages, post-mortem…) shrank to their content."""
    incident = services.incident_create(
        title="Checkout down", severity=severity(2), actor=responder, source=Source.WEB
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login(responder, f"/incidents/{incident.number}/")
    expect(page.locator("#incident_roles")).to_be_visible()
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.war-grid section.panel')]"
        ".map(panel => [panel.id || panel.className, panel.getBoundingClientRect().width])"
    )
    main_width = page.evaluate(
        "document.querySelector('#incident_actions').getBoundingClientRect().width"
    )
    assert len(widths) > 3
    assert [name for name, width in widths if width < main_width - 1] == []
