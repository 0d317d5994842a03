"""The public status page in Chromium at 390 px and 1280 px (no sign-in, no JavaScript needed,
nothing wider than the screen), and the check page; FIREBELL_SCREENSHOTS=1 saves screenshots in
docs/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from tests.browser.seed_status import seed_checks, seed_status
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _folder(tmp_path: Path) -> Path:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture
def people(defaults):
    rita = UserFactory(username="rita")
    rita.groups.add(Group.objects.get(name="Admin"))
    return {"rita": rita}


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_status_page_works_signed_out_and_without_javascript_at_every_width(
    browser, live_server, people, tmp_path, width
):
    seed_status(people["rita"])
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/status/")
    expect(page.locator("#overall-state")).to_have_text("Partial outage")
    expect(page.locator(".status-incident").first).to_contain_text("Slow responses from the API")
    expect(page.locator(".status-incident").first).to_contain_text("traffic is being moved")
    expect(page.locator("body")).not_to_contain_text("api-gw-3")  # the internal title
    days = (
        page.locator(".uptime-bars")
        .first.locator("rect")
        .evaluate_all("bars => bars.reduce((sum, bar) => sum + Number(bar.dataset.days), 0)")
    )
    assert days == 90
    expect(page.locator("text=Database upgrade")).to_be_visible()
    assert page.locator("script").count() == 0
    assert page.locator("[style]").count() == 0
    _no_horizontal_scroll(page)
    page.get_by_label("E-mail address").fill("reader@example.com")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    page.goto(f"{live_server.url}/status/")
    name = "status-page" if width == 1280 else "status-page-phone"
    page.screenshot(path=str(_folder(tmp_path) / f"{name}.png"), full_page=width == 1280)
    context.close()


def test_the_check_page_shows_results_chart_and_history(
    page: Page, live_server, login, people, tmp_path
):
    made = seed_checks(seed_status(people["rita"])["services"]["api"])
    login(people["rita"], f"/checks/{made['http'].pk}/")
    expect(page.locator("#check-state")).to_have_text("Up")
    expect(page.locator(".check-chart rect")).to_have_count(50)
    expect(page.locator("#check_history li")).to_have_count(3)
    expect(page.locator("#check_results")).to_contain_text("Not healthy: database")
    page.screenshot(path=str(_folder(tmp_path) / "check.png"))
    page.goto(f"{live_server.url}/checks/")
    expect(page.locator(".check-table")).to_contain_text("nightly-backup")
    page.screenshot(path=str(_folder(tmp_path) / "checks.png"))
