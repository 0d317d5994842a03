"""Playwright against Debian's Chromium (see /work/shared/NOTES.md); never `playwright install`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.services import defaults_ensure

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
# Every `expect(...)` polls until this deadline: generous, because a region may wait for a 5 s
# poll and this 2-core machine runs other suites at the same time. Passing tests never wait it.
expect.set_options(timeout=30_000)


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (apt-get install -y chromium)")


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Every browser test runs under the real Content-Security-Policy, and fails if Chromium
    reports a violation (it logs each one to the console as an error, before any event a page
    script could miss). Tests that use no page pay nothing."""
    if "page" not in request.fixturenames:
        yield []
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    yield violations
    assert not violations, f"Chromium reported CSP violations: {violations}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def defaults(transactional_db) -> None:
    """live_server needs transactional_db, whose flushes drop the seeded severities and roles."""
    defaults_ensure()


@pytest.fixture
def login(page, live_server) -> Callable:
    def sign_in(user, path: str = "/") -> None:
        page.goto(f"{live_server.url}/login/?next={path}")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")

    return sign_in
