"""Screens at 1280 x 800 with realistic data; FIREBELL_SCREENSHOTS=1 saves them in docs/.

FIREBELL_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from tests.browser.seed import seed_board
from tests.browser.seed_insights import seed_insights
from tests.browser.seed_integrations import seed_integrations

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _folder(tmp_path: Path) -> Path:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def test_screens_render_with_realistic_data(page: Page, live_server, login, defaults, tmp_path):
    seeded = seed_board()
    folder = _folder(tmp_path)
    login(seeded["people"]["rita"])
    expect(page.locator(".board-column.column-triggered")).to_contain_text("Login page")
    page.screenshot(path=str(folder / "board.png"))

    page.goto(f"{live_server.url}/incidents/{seeded['main'].number}/")
    expect(page.locator("#incident_timeline")).to_contain_text("Error rate down")
    page.screenshot(path=str(folder / "incident.png"))

    page.goto(f"{live_server.url}/incidents/declare/")
    expect(page.get_by_label("Title")).to_be_focused()
    page.screenshot(path=str(folder / "declare.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/incidents/{seeded['main'].number}/")
    page.screenshot(path=str(folder / "incident-phone.png"))
    for name in ("board", "incident", "declare", "incident-phone"):
        assert (folder / f"{name}.png").stat().st_size > 10_000


def test_integration_screens_render_with_realistic_data(
    page: Page, live_server, login, defaults, tmp_path
):
    seeded = seed_board()
    made = seed_integrations()
    folder = _folder(tmp_path)
    login(seeded["people"]["rita"])
    rita = seeded["people"]["rita"]
    rita.groups.add(Group.objects.get(name="Admin"))  # sees the forms an admin sees

    page.goto(f"{live_server.url}/integrations/")
    expect(page.locator(".integration-table")).to_contain_text("prod-alertmanager")
    page.screenshot(path=str(folder / "integrations.png"))

    page.goto(f"{live_server.url}/integrations/{made['alertmanager'].pk}/")
    expect(page.locator("#integration_deliveries")).to_contain_text("Rejected")
    page.screenshot(path=str(folder / "integration-detail.png"), full_page=True)
    for name in ("integrations", "integration-detail"):
        assert (folder / f"{name}.png").stat().st_size > 10_000


def test_insights_render_with_realistic_data(page: Page, live_server, login, defaults, tmp_path):
    seeded = seed_insights()
    folder = _folder(tmp_path)
    viewer = seeded["people"]["rita"]
    login(viewer, "/insights/")
    expect(page.locator("#incidents-per-week svg rect.bar").first).to_be_visible()
    expect(page.locator("#mtta-by-severity polyline").first).to_be_visible()
    expect(page.locator("#oncall-load")).to_contain_text("Rita Alvarez")
    expect(page.locator("#postmortems svg rect.bar").first).to_be_visible()
    page.screenshot(path=str(folder / "insights.png"))
    page.screenshot(path=str(folder / "insights-full.png"), full_page=True)
    for name in ("insights", "insights-full"):
        assert (folder / f"{name}.png").stat().st_size > 10_000
