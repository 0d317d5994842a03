"""Setting up an integration in a real browser: create, copy the URL, see the first delivery."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ServiceFactory

pytestmark = pytest.mark.browser


def test_an_admin_creates_an_integration_copies_its_url_and_sees_a_delivery_arrive(
    page: Page, live_server, login, admin_user
):
    ServiceFactory(name="Payments", slug="payments")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(admin_user, "/integrations/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")

    page.get_by_label("Name").fill("prod-alertmanager")
    page.get_by_label("Sends as").select_option(label="Prometheus Alertmanager")
    page.get_by_label("Service").select_option(label="Payments")
    page.get_by_role("button", name="Create integration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("prod-alertmanager")
    expect(page.locator("#integration_key")).to_contain_text("shown this once")
    page.evaluate("window.__marker = 1")

    page.get_by_role("button", name="Copy the intake URL").click()
    expect(page.get_by_role("button", name="Copy the intake URL")).to_have_text("Copied")
    url = page.locator("#intake-url").inner_text().strip()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert "/hooks/alertmanager/" in url
    assert "•" not in url
    key = url.rsplit("/", 1)[1]
    expect(page.locator("#setup-snippet")).to_contain_text(f'credentials: "{key}"')

    # The sender, as the snippet configures it: the key in a Bearer header, not in the URL.
    # PUBLIC_BASE_URL is not the live server's address, so keep only the path.
    path = urllib.parse.urlsplit(url).path.removesuffix(f"/{key}")
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "CardAuthErrors"}}],
    }
    request = urllib.request.Request(
        live_server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202

    row = page.locator("#integration_deliveries tr.delivery")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Processed")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    page.reload()
    expect(page.locator("#intake-url")).to_contain_text("•")
    expect(page.locator("#integration_key")).not_to_contain_text("shown this once")
