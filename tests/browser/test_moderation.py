"""A moderator works the queue with the keyboard in Chromium; FIREBELL_SCREENSHOTS=1 saves the
moderation screens in docs/screenshots/.

FIREBELL_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_moderation.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from moderation.models import Decision, Item
from moderation.services.decisions import DecisionTerms, item_decide
from moderation.services.intake import ReportInput, reports_ingest
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"

EXCERPTS = [
    ("child_safety", "post", "Message me privately, I can send you more pictures like this"),
    ("violence", "comment", "Everyone at the Main St office will regret this on Friday"),
    ("harassment", "comment", "Nobody wants you here, delete your account you clown"),
    ("spam", "post", "CHEAP WATCHES 90% OFF!!! click here -> watches-deal.example"),
    ("hate", "post", "People like them should not be allowed in our town"),
    ("spam", "comment", "Earn $500 a day from home, DM me for the secret"),
    ("impersonation", "profile", "Official support account of the bank, send us your PIN"),
]


def _moderator(name: str):
    user = UserFactory(username=name, first_name=name.title())
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


def _seed(media_url: str) -> list[Item]:
    reports = []
    for n, (category, kind, text) in enumerate(EXCERPTS):
        for reporter in range(1 + (n * 3) % 5):
            reports.append(
                ReportInput(
                    report_id=f"seed-{n}-{reporter}",
                    content_type=kind,
                    content_id=f"{kind[:1]}-{1000 + n}",
                    user_id=f"user-{n % 4}",
                    user_display_name=["dana", "eli", "frankie", "gus"][n % 4],
                    reporter_id=f"reporter-{reporter}",
                    category=category,
                    url=f"https://platform.example/{kind}/{1000 + n}",
                    excerpt=text,
                    media_urls=(media_url,) if n in (0, 3) else (),
                    text="Reported from the app",
                )
            )
    reports_ingest(reports=reports, actor=None)
    return list(Item.objects.order_by("-weight", "-report_count", "created_at"))


def _folder(tmp_path: Path) -> Path:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def test_a_moderator_reveals_media_and_decides_with_the_keyboard(
    page: Page, live_server, login, defaults
):
    moderator = _moderator("mona")
    items = _seed(f"{live_server.url}/static/img/favicon.svg")
    first = items[0]
    assert first.category == "child_safety"
    login(moderator, "/moderation/")
    page.keyboard.press("n")  # "Next item" on the queues overview claims the top item
    expect(page.locator("h1")).to_contain_text(first.content_id)
    image = page.locator("[data-media-item]").first
    expect(image).to_have_class("mod-blurred")
    assert "blur" in image.evaluate("el => getComputedStyle(el).filter")
    page.get_by_role("button", name="Show media").click()
    expect(page.locator("[data-media]")).to_have_class("mod-media mod-revealed")
    page.wait_for_function(  # after the short transition
        "() => getComputedStyle(document.querySelector('[data-media-item]')).filter === 'none'"
    )
    page.keyboard.press("r")  # opens the remove form and focuses its reason
    expect(page.locator("#remove-reason")).to_be_focused()
    page.keyboard.type("Grooming attempt")
    page.locator("#remove-reason").press("Enter")
    expect(page.locator("#item-status")).to_have_text("Decided")
    expect(page.locator("#item-decisions")).to_contain_text("Grooming attempt")
    decision = Decision.objects.get(item=first)
    assert decision.action == "remove"
    assert decision.policy.slug == "child-safety"
    page.keyboard.press("n")  # the next item, a different one
    expect(page.locator("h1")).to_contain_text(items[1].content_id)
    page.keyboard.press("a")  # approve at once
    expect(page.locator("#item-status")).to_have_text("Decided")
    assert Decision.objects.get(item=items[1]).action == "approve"


def test_moderation_screens_render_with_realistic_data(
    page: Page, live_server, login, defaults, tmp_path
):
    folder = _folder(tmp_path)
    moderator, other = _moderator("mona"), _moderator("max")
    items = _seed(f"{live_server.url}/static/img/favicon.svg")
    item_decide(
        item=items[-1],
        actor=other,
        source="web",
        terms=DecisionTerms("suspend", reason="Repeated scam posts", days=7),
    )
    item_decide(
        item=items[-2],
        actor=other,
        source="web",
        terms=DecisionTerms("warn", message="Please keep it civil"),
    )
    login(moderator, "/moderation/")
    expect(page.locator(".mod-queues")).to_contain_text("Urgent")
    page.screenshot(path=str(folder / "moderation-queues.png"))
    page.goto(f"{live_server.url}/moderation/queues/general/")
    page.locator("[data-select-item]").nth(0).check()
    page.locator("[data-select-item]").nth(1).check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 items will change")
    page.screenshot(path=str(folder / "moderation-queue.png"), full_page=True)
    page.goto(f"{live_server.url}/moderation/items/{items[0].pk}/")
    expect(page.locator("#decide")).to_be_visible()
    page.screenshot(path=str(folder / "moderation-item.png"), full_page=True)
    page.goto(f"{live_server.url}/moderation/suspensions/")
    expect(page.locator("main")).to_contain_text("Repeated scam posts")
    page.screenshot(path=str(folder / "moderation-suspensions.png"))
    for name in ("queues", "queue", "item", "suspensions"):
        assert (folder / f"moderation-{name}.png").stat().st_size > 10_000
