"""Issue 11's acceptance test in Chromium: a fresh admin goes from an empty install to an
acknowledged page using only Firebell's own pages — schedule, escalation policy, service,
integration, an alert sent to the intake URL, Acknowledge from the inbox bell. Also the phone
layout at 390 px. FIREBELL_SCREENSHOTS=1 writes docs/screenshots/{inbox,services,people,
schedule-editor}.png."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from core import clock
from core.services import admin_ensure
from incidents import services as incident_services
from incidents.models import Incident, IncidentStatus, Source
from tests.factories import severity

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"
FIXTURE = Path(settings.BASE_DIR) / "tests" / "fixtures" / "alertmanager"


def shoot(page: Page, name: str) -> None:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / f"{name}.png"))


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")


def test_a_fresh_admin_gets_from_an_empty_install_to_an_acknowledged_page(
    page: Page, live_server, defaults
):
    base = live_server.url
    password = admin_ensure()
    sign_in(page, base, "admin", password)

    # The board tells a new admin what is left to do.
    checklist = page.locator("#first-run-checklist")
    expect(checklist).to_contain_text("5 steps left")

    # 1. A schedule with the admin on it, from the checklist's link.
    checklist.get_by_role("link", name="Create a schedule with people on it").click()
    page.get_by_label("Name", exact=True).fill("Ops")
    page.get_by_label("Time zone").fill("UTC")
    page.get_by_label("Participant 1").select_option(label="admin")
    page.get_by_label("Shift length").select_option("daily")
    yesterday = (clock.now() - timedelta(days=1)).date().isoformat()
    page.get_by_label("First shift on").fill(yesterday)
    page.get_by_label("Handoff time").fill("00:00")
    shoot(page, "schedule-editor")
    page.get_by_role("button", name="Create schedule").click()
    expect(page.locator(".oncall-now")).to_contain_text("admin is on call now")

    # 2. An escalation policy paging whoever is on call for Ops.
    page.goto(f"{base}/oncall/policies/new/")
    page.get_by_label("Name").fill("Ops paging")
    page.get_by_role("button", name="Create policy").click()
    page.get_by_role("button", name="Add level").click()
    page.locator("summary", has_text="Add target").first.click()
    page.get_by_label("Target").first.select_option("schedule")
    page.get_by_label("Schedule").first.select_option(label="Ops")
    page.get_by_role("button", name="Add", exact=True).first.click()
    expect(page.locator("#policy_levels")).to_contain_text("Ops")

    # 3. A service using it, from the top bar's Services link.
    page.locator("#nav_services").click()
    page.get_by_role("link", name="New service").click()
    page.get_by_label("Name", exact=True).fill("Shop")
    page.get_by_label("Escalation policy").select_option(label="Ops paging")
    page.get_by_role("button", name="Create service").click()
    expect(page.locator("table")).to_contain_text("Ops paging")
    shoot(page, "services")

    # 4. An Alertmanager integration for the service; its intake URL is shown once.
    page.locator("#nav_integrations").click()
    page.get_by_label("Name").fill("prod-alertmanager")
    page.get_by_label("Sends as").select_option("alertmanager")
    page.get_by_label("Service").select_option(label="Shop")
    page.get_by_role("button", name="Create integration").click()
    intake_url = page.locator("#intake-url").inner_text().strip()
    assert "/hooks/alertmanager/" in intake_url
    assert "…" not in intake_url

    # 5. An alert arrives (as Alertmanager would send it).
    body = json.loads((FIXTURE / "02-higherrorrate-firing-2-alerts.json").read_text())
    # The page shows PUBLIC_BASE_URL's address; the test server listens elsewhere.
    hook = base + urlsplit(intake_url).path
    answer = page.request.post(
        hook, data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert answer.status == 202, answer.text()

    # 6. The bell shows the page; Acknowledge from it.
    page.goto(f"{base}/")
    bell = page.locator("#inbox_bell")
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.locator("summary").click()
    expect(bell).to_contain_text("HighErrorRate")
    shoot(page, "inbox")
    bell.get_by_role("button", name="Acknowledge #1").click()
    expect(bell.locator(".bell-count")).to_have_count(0)
    # Focus is kept inside the bell after the action, not dropped to the page body.
    assert page.evaluate("document.activeElement && document.activeElement !== document.body")
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    page.goto(f"{base}/incidents/{incident.number}/")
    expect(page.locator("#incident_header")).to_contain_text("admin")  # now the commander

    # 7. Invite someone; then the checklist has nothing left and is gone.
    page.locator("#nav_people").click()
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invitation-link")).to_contain_text("/invite/")
    shoot(page, "people")
    page.goto(f"{base}/")
    expect(page.locator("#first-run-checklist")).to_have_count(0)


def test_the_incident_page_fits_a_phone(page: Page, live_server, defaults):
    password = admin_ensure()
    admin = get_user_model().objects.get(username="admin")
    incident = incident_services.incident_create(
        title="Checkout returns 500", severity=severity(1), actor=admin, source=Source.WEB
    )
    for n in range(40):
        incident_services.incident_add_note(
            incident=incident, text=f"note {n}", actor=admin, source=Source.WEB
        )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "admin", password)
    page.goto(f"{live_server.url}/incidents/{incident.number}/")
    topbar = page.locator(".topbar").bounding_box()
    assert topbar["height"] <= 120, topbar
    roles = page.locator("#incident_roles").bounding_box()
    timeline = page.locator("#incident_timeline").bounding_box()
    assert roles["y"] < timeline["y"], (roles, timeline)
    heights = page.eval_on_selector_all(
        "main button:not(.linkish)",
        "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)",
    )
    assert heights
    assert min(heights) >= 44, heights


NOTIFICATION_STUB = """
window.__notes = [];
window.Notification = function (title, options) {
  window.__notes.push(title + " | " + (options && options.body));
  this.addEventListener = function () {};
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


def test_a_new_page_shows_one_browser_notification_where_the_person_allowed_them(
    page: Page, live_server, defaults
):
    from tests.oncall.conftest import declare, policy_of

    password = admin_ensure()
    admin = get_user_model().objects.get(username="admin")
    declare(policy_of("Fresh", (5, [admin])), title="Checkout down")
    # Chromium's real notifications need a desktop; a stand-in records what firebell.js asks.
    page.add_init_script(NOTIFICATION_STUB)
    sign_in(page, live_server.url, "admin", password)
    expect(page.locator("#inbox_bell .bell-count")).to_have_text("1")
    page.wait_for_function("window.__notes.length > 0")
    notes = page.evaluate("window.__notes")
    assert len(notes) == 1
    assert "#1 Checkout down" in notes[0]
    page.reload()
    expect(page.locator("#inbox_bell .bell-count")).to_have_text("1")
    # Once the fresh bell has settled (when firebell.js looks at it), nothing new is announced:
    # this browser has shown that page already.
    page.wait_for_function(
        "!document.querySelector('#inbox_bell').matches('.htmx-settling, .htmx-swapping')"
    )
    assert page.evaluate("window.__notes") == []
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("[data-notify-state]")).to_have_text("Browser notifications are on.")
