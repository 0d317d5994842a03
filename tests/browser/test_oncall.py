"""On-call screens in Chromium: the top bar's on-call line, adding an override from the schedule
page without a reload, and the screenshots (FIREBELL_SCREENSHOTS=1 saves
docs/screenshots/{oncall,schedule,policy}.png)."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from oncall.models import (
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    Override,
    Rotation,
    RotationParticipant,
    Schedule,
    TargetKind,
)
from oncall.selectors import schedule_oncall_user
from tests.browser.seed import seed_people, seed_services

pytestmark = pytest.mark.browser
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"
BERLIN = ZoneInfo("Europe/Berlin")


def seed_oncall() -> dict:
    """Two schedules with real rotations (one with a daily weekend-cover layer), an override,
    and a three-level policy used by Payments and Checkout."""
    people, services = seed_people(), seed_services()
    # The Monday of the week whose 09:00 handoff has passed: on a Monday morning before 09:00
    # the rotations would not have started yet and nobody would be on call.
    handed_over = (timezone.now().astimezone(BERLIN) - timedelta(hours=9)).date()
    monday = handed_over - timedelta(days=handed_over.weekday())

    def schedule(slug: str, name: str, layers: list) -> Schedule:
        item = Schedule.objects.create(name=name, slug=slug, time_zone="Europe/Berlin")
        for layer, (label, kind, start, who) in enumerate(layers, start=1):
            rotation = Rotation.objects.create(
                schedule=item,
                name=label,
                layer=layer,
                shift_kind=kind,
                start_date=start,
                handoff_time="09:00",
            )
            for position, username in enumerate(who):
                RotationParticipant.objects.create(
                    rotation=rotation, user=people[username], position=position
                )
        return item

    primary = schedule(
        "payments-primary",
        "Payments primary",
        [
            ("Weekly", "weekly", monday, ["rita", "sam", "jun"]),
            ("Daily cover", "daily", monday + timedelta(days=5), ["jun"]),
        ],
    )
    # Layer 2 only covers from Saturday on; end it after the weekend so the table shows layers.
    cover = primary.rotations.get(layer=2)
    cover.end_at = datetime.combine(monday + timedelta(days=7), time(9), tzinfo=BERLIN)
    cover.save()
    secondary = schedule(
        "payments-secondary",
        "Payments secondary",
        [("Weekly", "weekly", monday, ["jun", "maya", "rita", "sam"])],
    )
    start = timezone.now().astimezone(BERLIN).replace(minute=0, second=0, microsecond=0)
    Override.objects.create(
        schedule=secondary,
        user=people["sam"],
        start_at=start + timedelta(days=2, hours=2),
        end_at=start + timedelta(days=2, hours=8),
        created_by=people["rita"],
    )
    policy = EscalationPolicy.objects.create(
        name="Payments",
        slug="payments",
        repeat=1,
        description="Primary, then secondary, then the engineering manager.",
    )
    for position, (minutes, targets, lead) in enumerate(
        [
            (5, [("schedule", primary), ("slack", "#payments-oncall")], False),
            (15, [("schedule", secondary)], False),
            (15, [("user", people["maya"])], True),
        ],
        start=1,
    ):
        level = EscalationLevel.objects.create(
            policy=policy, position=position, delay=timedelta(minutes=minutes), is_team_lead=lead
        )
        for kind, target in targets:
            if kind == "schedule":
                EscalationTarget.objects.create(
                    level=level, kind=TargetKind.SCHEDULE, schedule=target
                )
            elif kind == "user":
                EscalationTarget.objects.create(level=level, kind=TargetKind.USER, user=target)
            else:
                EscalationTarget.objects.create(
                    level=level, kind=TargetKind.SLACK_CHANNEL, slack_channel=target
                )
    for slug in ("payments", "checkout"):
        services[slug].escalation_policy = policy
        services[slug].save()
    return {"people": people, "primary": primary, "secondary": secondary, "policy": policy}


def _local(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def test_the_top_bar_tells_the_person_on_call_once_the_page_has_loaded(
    page: Page, live_server, login, defaults
):
    seeded = seed_oncall()
    on_call = schedule_oncall_user(seeded["primary"])
    login(on_call, "/")
    expect(page.locator("#oncall_status")).to_contain_text(
        f"You are on call for {seeded['primary'].name} until"
    )


def test_a_responder_adds_an_override_from_the_schedule_page(
    page: Page, live_server, login, defaults
):
    seeded = seed_oncall()
    rita, maya = seeded["people"]["rita"], seeded["people"]["maya"]
    schedule = seeded["primary"]
    assert schedule_oncall_user(schedule).pk != maya.pk  # she is in neither layer
    login(rita, f"/oncall/schedules/{schedule.slug}/")
    expect(page.get_by_role("heading", name="Payments primary")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")

    now = timezone.now()
    override_form = page.locator("form.override-form")  # the swap form has From/Until too
    override_form.get_by_label("Who covers").select_option(label="Maya Lindqvist")
    override_form.get_by_label("From").fill(_local(now - timedelta(hours=1)))
    override_form.get_by_label("Until").fill(_local(now + timedelta(hours=3)))
    page.get_by_role("button", name="Add override").click()

    expect(page.locator("#override-list")).to_contain_text("Maya Lindqvist")
    expect(page.locator(".oncall-now").first).to_contain_text("Maya Lindqvist is on call now")
    assert page.evaluate("window.__marker") == "same page"  # swapped in place, no reload
    assert schedule_oncall_user(schedule).pk == maya.pk

    # A mistake comes back in the form, with the reason, and changes nothing.
    override_form.get_by_label("From").fill(_local(now + timedelta(hours=5)))
    override_form.get_by_label("Until").fill(_local(now + timedelta(hours=4)))
    override_form.get_by_label("Who covers").select_option(label="Sam Okafor")
    page.get_by_role("button", name="Add override").click()
    expect(page.locator(".override-form")).to_contain_text("must end after it starts")
    assert Override.objects.filter(schedule=schedule).count() == 1


def _folder(tmp_path: Path) -> Path:
    if os.environ.get("FIREBELL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def test_oncall_screens_render_with_realistic_data(
    page: Page, live_server, login, defaults, tmp_path
):
    seeded = seed_oncall()
    folder = _folder(tmp_path)
    login(seeded["people"]["rita"], "/oncall/")
    expect(page.locator(".oncall-card").first).to_contain_text("is on call now")
    page.screenshot(path=str(folder / "oncall.png"))

    page.goto(f"{live_server.url}/oncall/schedules/{seeded['primary'].slug}/")
    expect(page.locator(".shift-table")).to_contain_text("Final")
    page.screenshot(path=str(folder / "schedule.png"), full_page=True)

    admin = seeded["people"]["maya"]
    admin.groups.add(admin.groups.model.objects.get(name="Admin"))
    page.context.clear_cookies()
    login(admin, f"/oncall/policies/{seeded['policy'].slug}/")
    expect(page.locator("#policy_levels")).to_contain_text("#payments-oncall")
    page.screenshot(path=str(folder / "policy.png"), full_page=True)
    for name in ("oncall", "schedule", "policy"):
        assert (folder / f"{name}.png").stat().st_size > 10_000
