"""The browser tests' CSP watch (conftest.no_csp_violations) sees what Chromium refuses."""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import Error, Page


@pytest.mark.django_db(transaction=True)
def test_an_inline_script_is_refused_and_reported(page: Page, live_server, no_csp_violations):
    page.goto(f"{live_server.url}/login/")
    with contextlib.suppress(Error):  # Playwright may report the refused script itself
        page.add_script_tag(content="window.injected = true;")
    deadline = time.monotonic() + 15  # console messages arrive asynchronously: poll for one
    while not no_csp_violations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in text for text in no_csp_violations)
    no_csp_violations.clear()  # seen and expected: the fixture's own check stays for the rest
