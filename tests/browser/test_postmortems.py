"""A post-mortem written, reviewed and published in Chromium; FIREBELL_SCREENSHOTS=1 also saves
docs/screenshots/postmortem-editor.png and postmortem-published.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from incidents import services as incident_services
from incidents.models import Incident, IncidentStatus, Source
from postmortems.models import Postmortem, PostmortemStatus
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _folder(tmp_path: Path) -> Path:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def _resolved_incident(commander, helper) -> Incident:
    incident = incident_services.incident_create(
        title="Card payments failing",
        severity=severity(3),
        actor=commander,
        source=Source.WEB,
        commander=commander,
        services=[ServiceFactory(name="Payments", slug="payments")],
    )
    incident_services.incident_acknowledge(incident=incident, actor=commander, source=Source.WEB)
    incident_services.incident_add_note(
        incident=incident,
        text="Failing over to the secondary acquirer.",
        actor=helper,
        source=Source.WEB,
    )
    incident_services.incident_mitigate(incident=incident, actor=helper, source=Source.WEB)
    return incident_services.incident_resolve(incident=incident, actor=commander, source=Source.WEB)


def test_write_review_and_publish_a_postmortem(
    page: Page, live_server, login, responder, other_responder, tmp_path
):
    folder = _folder(tmp_path)
    incident = _resolved_incident(responder, other_responder)
    page.on("dialog", lambda dialog: dialog.accept())
    login(responder, f"/incidents/{incident.number}/")

    page.get_by_role("button", name="Start post-mortem").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post-mortem")
    postmortem = Postmortem.objects.get(incident=incident)
    summary = page.locator("#section_summary")
    expect(page.locator("#pm_timeline")).to_contain_text("secondary acquirer")

    summary.get_by_label("Markdown").fill(
        "Card payments failed for **23 minutes** after the acquirer's certificate expired.\n\n"
        "<script>window.__pwned = 1</script>"
    )
    expect(summary.locator(".pm-state")).to_have_text("Unsaved changes")
    expect(summary.locator(".pm-preview strong")).to_have_text("23 minutes")
    summary.get_by_role("button", name="Save section").click()
    expect(page.locator("#section_summary .pm-state")).to_contain_text("Saved")
    assert page.evaluate("window.__pwned") is None

    lessons = page.locator("#section_lessons")
    lessons.get_by_label("Markdown").fill("- Alert on certificate expiry 14 days ahead")
    lessons.get_by_role("button", name="Save section").click()
    expect(page.locator("#section_lessons .pm-state")).to_contain_text("Saved")

    note_row = page.locator("#pm_timeline tr", has_text="secondary acquirer")
    note_row.get_by_role("button", name="Mark key").click()
    expect(page.locator("#pm_timeline tr.pm-key", has_text="secondary acquirer")).to_be_visible()

    actions = page.locator("#pm_actions")
    actions.get_by_label("Title").fill("Alert on certificate expiry")
    actions.get_by_role("button", name="Add action item").click()
    expect(page.locator("#pm_actions")).to_contain_text("Alert on certificate expiry")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / "postmortem-editor.png"))

    page.get_by_label(other_responder.get_username()).check()
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator("#pm-status")).to_have_text("In review")

    page.context.clear_cookies()
    login(other_responder, f"/postmortems/{postmortem.pk}/")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#pm_workflow")).to_contain_text("Approved")
    page.get_by_role("button", name="Publish and close the incident").click()
    expect(page.locator("#pm-status")).to_have_text("Published")
    expect(page.locator(".pm-main")).to_contain_text("23 minutes")
    expect(page.locator("#section_summary textarea")).to_have_count(0)
    page.screenshot(path=str(folder / "postmortem-published.png"), full_page=True)

    postmortem.refresh_from_db()
    incident.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert incident.status == IncidentStatus.CLOSED
    for name in ("postmortem-editor", "postmortem-published"):
        assert (folder / f"{name}.png").stat().st_size > 10_000
