"""`/incident` subcommands: each goes through the incident services with the same permissions;
bad usage gets an ephemeral answer saying what was wrong and the right form."""

from __future__ import annotations

import pytest

from incidents.models import Incident, IncidentStatus, StakeholderUpdate, TimelineEvent
from integrations.slack.models import SlackMessage
from oncall.models import Page
from tests.oncall.conftest import schedule_of
from tests.slack.conftest import OLGA, RITA, RON, STRANGER, VICTOR
from tests.slack.helpers import declare, link, with_channel


@pytest.fixture
def rita(slack, responder):
    link(RITA, responder)
    return responder


def test_help_is_answered_at_once_and_lists_every_subcommand(slack):
    response = slack.command("help")

    text = response.json()["text"]
    assert response.json()["response_type"] == "ephemeral"
    for sub in ["declare", "ack", "mitigate", "resolve", "close", "sev", "role", "note"]:
        assert f"/incident {sub}" in text
    for sub in ["update", "status", "page", "oncall", "list"]:
        assert f"/incident {sub}" in text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "I don't know `frobnicate`"),
        ("sev", "Usage: `/incident sev [#number] <1-4>`"),
        ("sev high", "Give one severity, 1 to 4."),
        ("role commander", "Usage: `/incident role [#number] <commander|tech|comms|scribe> @user`"),
        ("note", "A note needs some text."),
        ("note #3", "A note needs some text."),
        ("page", "Give one person or one schedule to page."),
        ("ack now please", "Usage: `/incident ack [#number]`"),
        ("oncall a b", "Give at most one schedule."),
        ("declare #4 title", "leave out the number"),
    ],
)
def test_bad_usage_is_answered_at_once_with_the_right_form(slack, text, says):
    response = slack.command(text)

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert says in response.json()["text"]


def test_declare_makes_an_incident_through_the_service_and_posts_its_card_here(slack, rita):
    slack.command("declare Payments API returns 502 sev3")

    incident = Incident.objects.get()
    assert (incident.title, incident.severity.rank) == ("Payments API returns 502", 3)
    assert (incident.source, incident.declared_by) == ("slack", rita)
    assert TimelineEvent.objects.filter(kind="incident.role_assigned").exists()  # commander
    [card] = slack.workspace.take("chat.postMessage")
    assert card["channel"] == "C0GENERAL"
    actions = [e["action_id"] for e in card["blocks"][-1]["elements"]]
    assert actions == [
        "incident_acknowledge",
        "incident_resolve",
        "incident_escalate",
        "incident_open",
    ]
    assert SlackMessage.objects.get().kind == "card"
    assert slack.reply()["text"] == "Declared [SEV-3] #1 Payments API returns 502."
    assert not slack.workspace.take("conversations.create")  # SEV-3: no channel unless asked
    slack.workspace.take("chat.update")  # the card follows the commander assignment


def test_declare_with_channel_flag_makes_an_incident_channel_for_a_sev3(slack, rita):
    slack.command("declare Search is flaky --channel")

    [create] = slack.workspace.take("conversations.create")
    assert create["name"] == "inc-1-search-is-flaky"
    [topic] = slack.workspace.take("conversations.setTopic")
    assert topic["topic"].startswith("SEV-3 · Triggered · IC: rita-responder · https://")
    invites = slack.workspace.take("conversations.invite")  # on creation, again for the IC role
    assert {(i["channel"], i["users"]) for i in invites} == {("C100", RITA)}
    posts = slack.workspace.take("chat.postMessage")
    assert {p["channel"] for p in posts} == {"C0GENERAL", "C100"}
    slack.workspace.take("chat.update")
    slack.reply()


def test_declare_without_a_title_opens_the_declare_modal(slack, rita):
    slack.command("declare")

    [opened] = slack.workspace.take("views.open")
    assert opened["trigger_id"].startswith("13345224609")
    assert opened["view"]["callback_id"] == "incident_declare"
    blocks = [b["block_id"] for b in opened["view"]["blocks"]]
    assert blocks == ["title", "severity", "summary", "channel"]
    assert not Incident.objects.exists()
    assert slack.workspace.responses() == []


def test_outside_an_incident_channel_the_incident_must_be_named(slack, rita):
    declare(rita)

    slack.command("ack")

    assert "not an incident channel: name the incident with `#<number>`" in slack.reply()["text"]
    assert Incident.objects.get().status == IncidentStatus.TRIGGERED


def test_ack_by_number_acknowledges_and_announces_in_this_channel(slack, rita):
    incident = declare(rita)

    slack.command(f"ack #{incident.number}")

    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", rita)
    event = TimelineEvent.objects.get(kind="incident.acknowledged")
    assert event.source == "slack"
    reply = slack.reply()
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(f"<@{RITA}> acknowledged <https://firebell.example.com/")


def test_in_the_incident_channel_the_incident_is_implied_and_the_timeline_is_posted(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")

    slack.command("ack", channel="C0INC")

    assert Incident.objects.get().status == "acknowledged"
    assert slack.reply() == {"response_type": "ephemeral", "text": "Done: acknowledged #1."}
    [line] = slack.workspace.take("chat.postMessage")
    assert line["channel"] == "C0INC"
    assert "(acknowledged)" in line["text"]
    [topic] = slack.workspace.take("conversations.setTopic")
    assert topic["topic"].startswith("SEV-3 · Acknowledged")


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("mitigate #1 rolled back the deploy", "mitigated", "rolled back the deploy"),
        ("resolve #1 fixed by restarting", "resolved", "fixed by restarting"),
    ],
)
def test_mitigate_and_resolve_keep_what_was_done(slack, rita, text, status, message):
    declare(rita)

    slack.command(text)

    assert Incident.objects.get().status == status
    assert TimelineEvent.objects.get(kind=f"incident.{status}").message == message
    slack.reply()


def test_close_closes_a_resolved_incident_and_refuses_an_open_one(slack, rita):
    declare(rita)

    slack.command("close #1")
    assert "it cannot be closed from there" in slack.reply()["text"]

    slack.command("resolve #1")
    slack.reply()
    slack.command("close #1")
    assert Incident.objects.get().status == "closed"
    assert "closed" in slack.reply()["text"]


def test_a_viewer_may_not_acknowledge(slack, rita, viewer):
    declare(rita)

    slack.command("ack #1", user=VICTOR)

    slack.workspace.take("users.info")
    assert slack.reply()["text"] == (
        ":warning: You do not have permission to acknowledge incidents."
    )
    assert Incident.objects.get().status == "triggered"


def test_an_outsider_does_not_learn_that_an_incident_exists(slack, rita, outsider):
    declare(rita)

    slack.command("status #1", user=OLGA)

    slack.workspace.take("users.info")
    assert slack.reply()["text"] == ":warning: Incident #1 does not exist."


def test_an_unknown_slack_user_is_told_how_to_link_their_account(slack):
    slack.command("list", user=STRANGER)

    [info] = slack.workspace.take("users.info")
    assert info["user"] == STRANGER
    text = slack.reply()["text"]
    assert "I don't know who you are in Firebell" in text
    assert "https://firebell.example.com/slack/link/" in text


def test_sev_changes_the_severity(slack, rita):
    declare(rita)

    slack.command("sev #1 sev1")

    assert Incident.objects.get().severity.rank == 1
    assert "set severity SEV-1 on" in slack.reply()["text"]
    [create] = slack.workspace.take("conversations.create")  # a SEV-1 needs its channel
    assert create["name"] == "inc-1-checkout-is-slow"
    slack.workspace.take("")


def test_sev_to_a_severity_that_does_not_exist_says_which_exist(slack, rita):
    declare(rita)

    slack.command("sev #1 9")

    assert slack.reply()["text"] == ":warning: There is no severity 9; use one of 1, 2, 3, 4."


def test_role_assigns_the_mentioned_slack_user_found_by_email(slack, rita, other_responder):
    declare(rita)

    slack.command(f"role #1 tech <@{RON}|ron>")

    [info] = slack.workspace.take("users.info")
    assert info["user"] == RON
    assignment = Incident.objects.get().assignments.get(role__slug="tech", ended_at=None)
    assert assignment.user == other_responder
    assert "made ron-responder Technical Lead of" in slack.reply()["text"]


def test_role_with_an_unknown_role_lists_the_roles(slack, rita):
    declare(rita)

    slack.command("role #1 boss @rita-responder")

    assert (
        "There is no role `boss`; use one of commander|tech|comms|scribe."
        in (slack.reply()["text"])
    )


def test_role_for_a_slack_user_without_a_firebell_account_is_refused(slack, rita):
    declare(rita)

    slack.command(f"role #1 scribe <@{STRANGER}>")

    slack.workspace.take("users.info")
    assert "has no Firebell account I can find" in slack.reply()["text"]


def test_note_adds_a_note_to_the_timeline(slack, rita):
    declare(rita)

    slack.command("note #1 error rate back to 0.1% #good")

    note = TimelineEvent.objects.get(kind="incident.note_added")
    assert (note.message, note.actor, note.source) == (
        "error rate back to 0.1% #good",
        rita,
        "slack",
    )
    slack.reply()


def test_update_with_text_posts_a_stakeholder_update(slack, rita):
    declare(rita)

    slack.command("update #1 Payments are degraded; next update in 30 minutes.")

    update = StakeholderUpdate.objects.get()
    assert update.body == "Payments are degraded; next update in 30 minutes."
    assert update.created_by == rita
    slack.reply()


def test_update_without_text_opens_the_modal_with_the_draft(slack, rita):
    declare(rita)

    slack.command("update #1")

    [opened] = slack.workspace.take("views.open")
    view = opened["view"]
    assert view["callback_id"] == "incident_stakeholder_update"
    assert view["blocks"][0]["element"]["initial_value"].startswith("[SEV-3 Medium] Incident #1")
    assert slack.workspace.responses() == []


def test_status_shows_the_summary_card_to_the_asker(slack, rita):
    declare(rita)

    slack.command("status #1")

    reply = slack.reply()
    assert reply["response_type"] == "ephemeral"
    fields = [f["text"] for f in reply["blocks"][0]["fields"]]
    assert fields[:3] == [
        "*Status*\nTriggered",
        "*Severity*\nSEV-3 Medium",
        f"*Commander*\n<@{RITA}>",
    ]


def test_page_a_person_pages_them_by_their_rules(slack, rita, other_responder):
    declare(rita)

    slack.command(f"page #1 <@{RON}>")

    page = Page.objects.get(channel="email")  # the defaults: inbox and e-mail
    assert (page.user, page.purpose) == (other_responder, "manual")
    assert Page.objects.get(channel="inbox").status == "sent"
    slack.workspace.take("users.info")
    assert slack.standins.emails_to(other_responder)  # SEV-3 is low urgency: e-mail
    assert "paged ron-responder for" in slack.reply()["text"]


def test_page_a_schedule_pages_whoever_is_on_call(slack, rita, other_responder):
    declare(rita)
    schedule_of("Payments", other_responder)

    slack.command("page #1 t-payments")

    assert {page.user for page in Page.objects.all()} == {other_responder}
    assert slack.standins.emails_to(other_responder)
    slack.reply()


def test_page_an_unknown_schedule_says_so(slack, rita):
    declare(rita)

    slack.command("page #1 nowhere")

    assert slack.reply()["text"] == ":warning: There is no schedule `nowhere`."


def test_oncall_lists_who_is_on_call_now_and_next(slack, rita, other_responder):
    schedule_of("Payments", other_responder, rita)

    slack.command("oncall")

    text = slack.reply()["text"]
    assert text.startswith("*Payments rota*: ")
    assert "now; next: " in text


def test_oncall_for_one_schedule(slack, rita, other_responder):
    schedule_of("Payments", other_responder)
    schedule_of("Search", rita)

    slack.command("oncall t-search")

    assert slack.reply()["text"].startswith("*Search rota*: rita-responder now")


def test_list_shows_open_incidents_only(slack, rita):
    declare(rita, "First")
    declare(rita, "Second")
    slack.command("resolve #1")
    slack.reply()

    slack.command("list")

    text = slack.reply()["text"]
    assert "#2 Second" in text
    assert "#1 First" not in text


def test_a_rate_limited_lookup_is_retried_and_the_command_still_runs(slack, responder):
    declare(responder)
    slack.workspace.fail("users.info", "ratelimited", status=429, retry_after=0)

    slack.command("ack #1")

    assert len(slack.workspace.take("users.info")) == 2
    assert Incident.objects.get().status == "acknowledged"
    slack.reply()


def test_an_expired_trigger_id_is_reported_to_the_person(slack, rita):
    slack.workspace.fail("views.open", "expired_trigger_id")

    slack.command("declare")

    slack.workspace.take("views.open")
    assert slack.reply()["text"] == (
        ":warning: Slack refused views.open (expired_trigger_id); try again."
    )
