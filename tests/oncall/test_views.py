"""On-call browser views: every page for every actor, permissions, form errors, and what the
forms change (who is on call, the policy — but never a running escalation's snapshot)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import clock
from incidents import services as incident_services
from incidents.models import Incident, Source
from oncall import selectors
from oncall.models import (
    EscalationLevel,
    EscalationState,
    EscalationTarget,
    NotificationRule,
    Override,
    Page,
    Schedule,
    TargetKind,
    Urgency,
)
from oncall.selectors import schedule_day_table
from tests.factories import ServiceFactory, severity
from tests.oncall.conftest import person, policy_of, schedule_of

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday; the rotations start Monday 2 March
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def world(defaults, responder):
    """A primary rota (pat, then sam weekly) and a policy paging it, then a manager."""
    pat, sam, mia = person("pat"), person("sam"), person("mia")
    for user in (pat, sam, mia):
        user.groups.add(Group.objects.get(name="Responder"))
    primary = schedule_of("Primary", pat, sam)
    policy = policy_of("Checkout", (5, [primary]), (15, [mia]), lead=2)
    return {"pat": pat, "sam": sam, "mia": mia, "schedule": primary, "policy": policy}


def _declare(policy, actor) -> Incident:
    """A triggered incident paging with `policy` (after-commit work does not run: no delivery)."""
    service = ServiceFactory(slug="checkout", name="Checkout", escalation_policy=policy)
    return incident_services.incident_create(
        title="Checkout returns 500",
        severity=severity(1),
        services=[service],
        actor=actor,
        source=Source.WEB,
    )


def _pages(world) -> dict[str, str]:
    slug, policy = world["schedule"].slug, world["policy"].slug
    return {
        "home": reverse("oncall:home"),
        "schedule": reverse("oncall:schedule", args=[slug]),
        "policies": reverse("oncall:policies"),
        "policy": reverse("oncall:policy", args=[policy]),
        "me": reverse("oncall:me"),
    }


def _override_post(user, start="2026-03-04T13:00", end="2026-03-04T18:00") -> dict[str, str]:
    return {"user": str(user.pk) if user else "", "start_at": start, "end_at": end}


# --- access --------------------------------------------------------------------------------------


def test_every_page_renders_for_viewers_responders_and_admins(
    client, world, viewer, responder, admin_user
):
    for user in (viewer, responder, admin_user):
        client.force_login(user)
        for name, url in _pages(world).items():
            response = client.get(url)
            assert response.status_code == 200, (user, name)
    assert client.get(reverse("oncall:policy-new")).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in _pages(world).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_outsiders_are_refused(client, world, outsider):
    client.force_login(outsider)
    for url in _pages(world).values():
        assert client.get(url).status_code == 403


def test_an_unknown_schedule_or_policy_is_404(client, world, viewer):
    client.force_login(viewer)
    assert client.get(reverse("oncall:schedule", args=["nope"])).status_code == 404
    assert client.get(reverse("oncall:policy", args=["nope"])).status_code == 404


def test_the_nav_links_to_the_oncall_page(client, world, viewer):
    client.force_login(viewer)
    html = client.get(reverse("incidents:board")).content.decode()
    assert f'href="{reverse("oncall:home")}"' in html


def test_the_oncall_page_shows_who_is_on_call_and_the_next_handoff(client, world, viewer):
    client.force_login(viewer)
    html = client.get(reverse("oncall:home")).content.decode()
    assert "Primary rota" in html
    assert "<strong>pat</strong>" in html  # week of 2 March
    assert "Mon 9 Mar, 09:00" in html
    assert "→ sam" in html
    assert reverse("oncall:schedule", args=[world["schedule"].slug]) in html


def test_the_schedule_page_has_a_14_day_table_per_layer_and_the_ical_url(client, world, viewer):
    client.force_login(viewer)
    response = client.get(reverse("oncall:schedule", args=[world["schedule"].slug]))
    html = response.content.decode()
    assert html.count('<span class="day-name">') == 14
    assert '<span class="day-name">Wed</span> 4 Mar' in html
    assert re.findall(r'<tr class="shift-row-(\w+)">', html) == ["layer", "final"]
    table = schedule_day_table(world["schedule"])  # what the page shows, cell by cell
    assert "Layer 1: Main" in html
    assert "Final" in html
    assert world["schedule"].ical_token in html
    monday = table.rows[-1].cells[5]  # 9 March: pat until 09:00, then sam
    assert [(s.user.username, s.starts_today, s.ends_today) for s in monday] == [
        ("pat", False, True),
        ("sam", True, False),
    ]


def test_viewers_see_no_forms_and_cannot_change_anything(client, world, viewer, responder):
    schedule, policy = world["schedule"], world["policy"]
    override = Override.objects.create(
        schedule=schedule, user=responder, start_at=NOW, end_at=NOW + timedelta(hours=2)
    )
    level = policy.levels.first()
    client.force_login(viewer)
    for url in (_pages(world)["schedule"], _pages(world)["policy"]):
        html = client.get(url).content.decode()
        assert "hx-post" not in html
        assert 'method="post" action="/oncall/' not in html
    posts = [
        (reverse("oncall:override-add", args=[schedule.slug]), _override_post(responder)),
        (reverse("oncall:override-add", args=[schedule.slug]), {}),  # invalid, still 403
        (reverse("oncall:override-delete", args=[schedule.slug, override.pk]), {}),
        (reverse("oncall:policy", args=[policy.slug]), {"name": "X", "repeat": "0"}),
        (reverse("oncall:policy-new"), {"name": "X", "repeat": "0"}),
        (reverse("oncall:level-add", args=[policy.slug]), {"delay_minutes": "5"}),
        (reverse("oncall:level-delete", args=[policy.slug, level.pk]), {}),
        (reverse("oncall:level-move", args=[policy.slug, level.pk, "down"]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Override.objects.count() == 1
    assert policy.levels.count() == 2


# --- overrides -----------------------------------------------------------------------------------


def test_an_override_added_through_the_form_changes_who_is_on_call(client, world, responder):
    schedule = world["schedule"]
    assert selectors.schedule_oncall_user(schedule).username == "pat"
    client.force_login(responder)
    url = reverse("oncall:override-add", args=[schedule.slug])
    response = client.post(url, _override_post(world["sam"], "2026-03-04T11:00"))
    assert response.status_code == 302
    assert selectors.schedule_oncall_user(schedule).username == "sam"
    assert selectors.schedule_oncall_user(schedule, at=NOW + timedelta(hours=7)).username == "pat"
    html = client.get(reverse("oncall:home")).content.decode()
    assert "<strong>sam</strong>" in html
    client.force_login(world["pat"])  # pat's own top-bar status must not hide the schedule's
    html = client.get(reverse("oncall:schedule", args=[schedule.slug])).content.decode()
    assert '<strong>sam</strong> <span class="muted">is on call now' in html


def test_override_times_are_read_in_the_schedules_time_zone(client, world, responder):
    berlin = schedule_of("Berlin", world["pat"], time_zone="Europe/Berlin")
    client.force_login(responder)
    url = reverse("oncall:override-add", args=[berlin.slug])
    response = client.post(url, _override_post(world["sam"], "2026-03-04T14:00"), **HTMX)
    assert response.status_code == 200
    assert "sam" in response.content.decode()  # the region came back
    override = Override.objects.get(schedule=berlin)
    assert override.start_at == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2026-03-04T18:00", "end": "2026-03-04T13:00"}, "must end after it starts"),
        ({"user": None}, "Choose who covers the shift."),
        ({"start": "not a date"}, "Enter a valid date/time."),
        ({"start": "", "end": ""}, "This field is required."),
        ({"end": "9999-12-31T23:59"}, "within five years"),
        ({"start": "0001-01-01T00:00"}, "within five years"),
    ],
)
def test_invalid_overrides_answer_400_with_the_reason(client, world, responder, data, message):
    client.force_login(responder)
    args = {k: v for k, v in data.items() if k != "user"}
    post = _override_post(world["sam"] if "user" not in data else None, **args)
    url = reverse("oncall:override-add", args=[world["schedule"].slug])
    for extra in ({}, HTMX):
        response = client.post(url, post, **extra)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Override.objects.exists()


def test_a_time_that_does_not_exist_in_the_schedules_zone_is_refused(client, world, responder):
    berlin = schedule_of("Berlin", world["pat"], time_zone="Europe/Berlin")
    client.force_login(responder)
    url = reverse("oncall:override-add", args=[berlin.slug])
    response = client.post(url, _override_post(world["sam"], "2026-03-29T02:30"))  # spring gap
    assert response.status_code == 400
    assert "may not exist" in response.content.decode()


def test_responders_add_overrides_but_only_admins_delete_them(client, world, responder, admin_user):
    schedule = world["schedule"]
    override = Override.objects.create(
        schedule=schedule, user=responder, start_at=NOW, end_at=NOW + timedelta(hours=2)
    )
    url = reverse("oncall:override-delete", args=[schedule.slug, override.pk])
    client.force_login(responder)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert not Override.objects.exists()
    assert client.post(url).status_code == 404


# --- escalation policies -------------------------------------------------------------------------


def test_the_policy_list_shows_which_services_use_each_policy(client, world, viewer):
    ServiceFactory(slug="payments", name="Payments", escalation_policy=world["policy"])
    client.force_login(viewer)
    html = client.get(reverse("oncall:policies")).content.decode()
    assert "Checkout" in html
    assert "Payments" in html


def test_an_admin_creates_a_policy_and_builds_its_levels(client, world, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("oncall:policy-new"), {"name": "Payments night", "description": "", "repeat": "1"}
    )
    assert response.status_code == 302
    policy = world["policy"].__class__.objects.get(name="Payments night")
    assert response["Location"] == reverse("oncall:policy", args=[policy.slug])
    add_level = reverse("oncall:level-add", args=[policy.slug])
    assert client.post(add_level, {"delay_minutes": "5"}, **HTMX).status_code == 200
    assert client.post(add_level, {"delay_minutes": "15", "is_team_lead": "on"}).status_code == 302
    first, second = policy.levels.order_by("position")
    targets = [
        (first, {"kind": "schedule", "schedule": world["schedule"].slug}),
        (first, {"kind": "slack_channel", "slack_channel": "#payments-oncall"}),
        (second, {"kind": "user", "user": str(admin_user.pk)}),
    ]
    for level, data in targets:
        url = reverse("oncall:target-add", args=[policy.slug, level.pk])
        assert client.post(url, data, **HTMX).status_code == 200
    html = client.get(reverse("oncall:policy", args=[policy.slug])).content.decode()
    assert "#payments-oncall" in html
    assert "Primary rota" in html
    assert "team lead" in html
    assert second.is_team_lead
    assert second.delay == timedelta(minutes=15)


def test_levels_can_be_reordered_edited_and_deleted(client, world, admin_user):
    policy = world["policy"]
    first, second = policy.levels.order_by("position")
    client.force_login(admin_user)
    move = reverse("oncall:level-move", args=[policy.slug, second.pk, "up"])
    assert client.post(move, **HTMX).status_code == 200
    assert list(policy.levels.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert client.post(move, **HTMX).status_code == 409  # already first
    update = reverse("oncall:level-update", args=[policy.slug, first.pk])
    assert client.post(update, {"delay_minutes": "30", "is_team_lead": "on"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.delay == timedelta(minutes=30)
    assert first.is_team_lead
    assert not second.is_team_lead  # one team-lead level per policy
    delete = reverse("oncall:level-delete", args=[policy.slug, second.pk])
    assert client.post(delete, **HTMX).status_code == 200
    assert list(policy.levels.values_list("position", flat=True)) == [1]
    target = EscalationTarget.objects.get(level=first)
    remove = reverse("oncall:target-remove", args=[policy.slug, target.pk])
    assert client.post(remove, **HTMX).status_code == 200
    assert not EscalationTarget.objects.filter(level=first).exists()


@pytest.mark.parametrize(
    ("route", "data", "message"),
    [
        ("level-add", {"delay_minutes": "-5"}, "greater than or equal to 0"),
        ("level-add", {"delay_minutes": "ten"}, "Enter a whole number."),
        ("level-add", {"delay_minutes": "99999"}, "less than or equal to 1440"),
        ("target-add", {"kind": "user"}, "Choose the person to page."),
        ("target-add", {"kind": "schedule", "schedule": "nope"}, "Select a valid choice."),
        ("target-add", {"kind": "slack_channel", "slack_channel": "  "}, "Name the Slack"),
        ("target-add", {"kind": "robot"}, "Select a valid choice."),
        ("policy", {"name": "", "repeat": "0"}, "This field is required."),
        ("policy", {"name": "X", "repeat": "99"}, "less than or equal to 9"),
        ("policy-new", {"name": "Checkout", "repeat": "0"}, "exists already"),
    ],
)
def test_invalid_policy_input_answers_400_with_the_reason(
    client, world, admin_user, route, data, message
):
    policy = world["policy"]
    level = policy.levels.first()
    args = {
        "level-add": [policy.slug],
        "target-add": [policy.slug, level.pk],
        "policy": [policy.slug],
        "policy-new": [],
    }[route]
    client.force_login(admin_user)
    for extra in ({}, HTMX):
        response = client.post(reverse(f"oncall:{route}", args=args), data, **extra)
        assert response.status_code == 400, extra
        assert message in response.content.decode()


def test_editing_a_policy_does_not_change_a_running_escalation(client, world, admin_user):
    policy = world["policy"]
    incident = _declare(policy, admin_user)
    before = EscalationState.objects.get(incident=incident).policy_snapshot
    assert before["name"] == "Checkout"
    assert len(before["levels"]) == 2
    client.force_login(admin_user)
    first, second = policy.levels.order_by("position")
    posts = [
        (reverse("oncall:policy", args=[policy.slug]), {"name": "Renamed", "repeat": "3"}),
        (reverse("oncall:level-update", args=[policy.slug, first.pk]), {"delay_minutes": "1"}),
        (reverse("oncall:level-move", args=[policy.slug, second.pk, "up"]), {}),
        (reverse("oncall:level-delete", args=[policy.slug, first.pk]), {}),
        (reverse("oncall:level-add", args=[policy.slug]), {"delay_minutes": "2"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 302, url
    state = EscalationState.objects.get(incident=incident)
    assert state.policy_snapshot == before
    html = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "Checkout" in html  # the incident still shows the policy it started with
    later = _declare(policy, admin_user)  # a new trigger takes the edited policy
    assert EscalationState.objects.get(incident=later).policy_snapshot["name"] == "Renamed"


# --- my notification rules -----------------------------------------------------------------------


def test_a_person_adds_edits_removes_and_restores_their_rules(client, world, responder):
    client.force_login(responder)
    html = client.get(reverse("oncall:me")).content.decode()
    assert "The defaults apply" in html
    assert "Create my calendar URL" in html
    add = reverse("oncall:rule-add")
    sms = {"urgency": "high", "channel": "sms", "delay_minutes": "5", "address": "+4915112345"}
    assert client.post(add, sms, **HTMX).status_code == 200
    rule = NotificationRule.objects.get(user=responder)
    assert (rule.channel, rule.delay, rule.address) == ("sms", timedelta(minutes=5), "+4915112345")
    update = reverse("oncall:rule-update", args=[rule.pk])
    assert client.post(update, {**sms, "delay_minutes": "2"}).status_code == 302
    rule.refresh_from_db()
    assert rule.delay == timedelta(minutes=2)
    html = client.get(reverse("oncall:me")).content.decode()
    assert "not reached for these pages" in html  # no low-urgency rule any more
    assert client.post(reverse("oncall:rule-delete", args=[rule.pk]), **HTMX).status_code == 200
    assert not NotificationRule.objects.filter(user=responder).exists()
    assert client.post(reverse("oncall:rules-restore"), **HTMX).status_code == 200
    restored = NotificationRule.objects.filter(user=responder)
    assert {(r.urgency, r.channel) for r in restored} == {
        (Urgency.HIGH, "inbox"),
        (Urgency.LOW, "inbox"),
        (Urgency.HIGH, "email"),
        (Urgency.LOW, "email"),
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "sms", "address": ""}, "SMS needs a phone number."),
        ({"channel": "pigeon"}, "Select a valid choice."),
        ({"channel": "email", "address": "not-an-address"}, "is not an e-mail address"),
        ({"delay_minutes": "-1"}, "greater than or equal to 0"),
        ({"urgency": "urgent"}, "Select a valid choice."),
    ],
)
def test_invalid_rules_answer_400_with_the_reason(client, world, responder, data, message):
    client.force_login(responder)
    post = {"urgency": "high", "channel": "email", "delay_minutes": "0", "address": "", **data}
    for extra in ({}, HTMX):
        response = client.post(reverse("oncall:rule-add"), post, **extra)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not NotificationRule.objects.filter(user=responder).exists()


def test_nobody_can_touch_someone_elses_rules(client, world, responder):
    rule = NotificationRule.objects.filter(user=world["pat"]).first()
    client.force_login(responder)
    post = {"urgency": "high", "channel": "email", "delay_minutes": "0"}
    assert client.post(reverse("oncall:rule-update", args=[rule.pk]), post).status_code == 404
    assert client.post(reverse("oncall:rule-delete", args=[rule.pk])).status_code == 404
    assert NotificationRule.objects.filter(pk=rule.pk).exists()


def test_my_page_lists_my_shifts_and_my_calendar_url(client, world):
    pat = world["pat"]
    client.force_login(pat)
    assert client.post(reverse("oncall:calendar-rotate")).status_code == 302
    html = client.get(reverse("oncall:me")).content.decode()
    assert "Primary rota" in html
    assert pat.oncall_calendar.token in html
    feed = client.get(reverse("oncall:user-ical", args=[pat.oncall_calendar.token]))
    assert feed.status_code == 200
    assert b"BEGIN:VCALENDAR" in feed.content


# --- the incident page ---------------------------------------------------------------------------


def test_the_incident_page_shows_the_escalation_state(client, world, responder):
    incident = _declare(world["policy"], responder)
    client.force_login(responder)
    html = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "Escalation" in html
    assert "Checkout" in html
    assert "none paged yet (of 2)" in html
    assert "1 of 1" in html
    assert "level 1 in" in html
    assert "Escalating" in html
    assert 'action="/oncall/incidents/' in html  # reassign and page forms


def test_the_escalation_state_after_a_step_and_after_acknowledging(client, world, responder):
    from oncall.services import escalation_step

    incident = _declare(world["policy"], responder)
    escalation_step(incident.pk)
    summary = selectors.incident_escalation_summary(incident)
    assert (summary.current_level, summary.next_level, summary.round) == (1, 2, 1)
    assert summary.next_step_in == timedelta(minutes=5)
    incident_services.incident_acknowledge(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    html = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "1 of 2 paged" in html
    assert "Acknowledged" in html
    assert "pat" in html


def test_the_incident_page_reads_its_pages_and_escalation_in_constant_queries(
    client, world, responder
):
    from oncall.services import escalation_step

    incident = _declare(world["policy"], responder)
    client.force_login(responder)
    url = reverse("incidents:detail", args=[incident.number])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    escalation_step(incident.pk)
    one_level = queries()
    with clock.frozen_at(NOW + timedelta(minutes=6)):  # the next level: more pages, more people
        escalation_step(incident.pk)
    assert incident.pages.count() > 1
    assert queries() == one_level


def test_a_responder_pages_an_extra_responder_and_reassigns(client, world, responder, viewer):
    incident = _declare(world["policy"], responder)
    page_url = reverse("oncall:page-responder", args=[incident.number])
    reassign_url = reverse("oncall:reassign", args=[incident.number])
    client.force_login(viewer)
    assert client.post(page_url, {"user": str(responder.pk)}).status_code == 403
    client.force_login(responder)
    response = client.post(page_url, {"user": str(responder.pk)}, **HTMX)
    assert response.status_code == 200
    assert "incident-changed" in response["HX-Trigger"]
    assert Page.objects.filter(incident=incident, user=responder, purpose="manual").exists()
    response = client.post(reassign_url, {"schedule": world["schedule"].slug})
    assert response.status_code == 302
    state = EscalationState.objects.get(incident=incident)
    assert state.policy_snapshot["levels"][0]["targets"][0]["kind"] == TargetKind.SCHEDULE
    for data in ({}, {"user": str(responder.pk), "schedule": world["schedule"].slug}):
        response = client.post(reassign_url, data, **HTMX)
        assert response.status_code == 400
        assert "Choose a person or a schedule" in response.content.decode()
    assert client.post(page_url, {}).status_code == 400


def test_the_reassign_form_lists_every_schedule_while_the_incident_is_triggered(
    client, world, responder
):
    incident = _declare(None, responder)  # no policy: nobody is paged
    client.force_login(responder)
    html = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "No escalation policy applies to this incident" in html
    for schedule in Schedule.objects.all():
        assert f'<option value="{schedule.slug}">{schedule.name}</option>' in html
    incident_services.incident_acknowledge(incident=incident, actor=responder, source=Source.WEB)
    html = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert 'id="reassign-schedule"' not in html


def test_reassigning_an_acknowledged_incident_is_a_409(client, world, responder):
    incident = _declare(world["policy"], responder)
    incident_services.incident_acknowledge(incident=incident, actor=responder, source=Source.WEB)
    client.force_login(responder)
    url = reverse("oncall:reassign", args=[incident.number])
    response = client.post(url, {"user": str(responder.pk)}, **HTMX)
    assert response.status_code == 409
    assert "only a triggered incident" in response.content.decode()


def test_schedules_are_listed_even_without_participants(client, defaults, viewer):
    client.force_login(viewer)
    html = client.get(reverse("oncall:home")).content.decode()
    assert Schedule.objects.exists()  # seeded primary/secondary
    assert "Nobody is on call now" in html
    assert EscalationLevel.objects.exists()
