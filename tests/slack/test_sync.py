"""Incident channels and timeline sync: changes made anywhere reach Slack; Slack failures are
retried or reported on the incident's timeline, never lost silently."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from incidents import services
from incidents.models import Source, TimelineEvent
from integrations.slack import sync
from integrations.slack.models import IncidentChannel, SlackMessage
from tests.factories import severity
from tests.slack.conftest import RITA, RON
from tests.slack.helpers import declare, link, with_channel


@pytest.fixture
def rita(slack, responder):
    link(RITA, responder)
    return responder


def web(slack, service, **kwargs):
    with slack.capture(execute=True):
        return service(source=Source.WEB, **kwargs)


def test_a_sev1_declared_in_the_browser_gets_a_channel_with_topic_invites_and_card(slack, rita):
    with slack.capture(execute=True):
        incident = declare(rita, "Database primary down!", rank=1)

    [create] = slack.workspace.take("conversations.create")
    assert create["name"] == "inc-1-database-primary-down"
    channel = IncidentChannel.objects.get(incident=incident)
    assert (channel.channel_id, channel.name) == ("C100", "inc-1-database-primary-down")
    [topic] = slack.workspace.take("conversations.setTopic")
    assert topic == {
        "channel": "C100",
        "topic": "SEV-1 · Triggered · IC: rita-responder · "
        "https://firebell.example.com/incidents/1/",
    }
    assert {i["users"] for i in slack.workspace.take("conversations.invite")} == {RITA}
    card, line = slack.workspace.take("chat.postMessage")
    assert card["blocks"][0]["text"]["text"].startswith("*<https://firebell.example.com/inc")
    assert "Incident Commander" in line["text"]  # the commander assignment, on the timeline
    assert SlackMessage.objects.filter(kind="card", channel_id="C100").exists()
    slack.workspace.take("chat.update")


def test_a_taken_channel_name_gets_a_suffix(slack, rita):
    slack.workspace.channels["C099"] = {"id": "C099", "name": "inc-1-db-down"}
    with slack.capture(execute=True):
        declare(rita, "DB down", rank=2)

    names = [c["name"] for c in slack.workspace.take("conversations.create")]
    assert names == ["inc-1-db-down", "inc-1-db-down-2"]
    assert IncidentChannel.objects.get().name == "inc-1-db-down-2"
    slack.workspace.take("")


def test_changes_made_in_the_browser_are_posted_to_the_channel_and_keep_the_topic(
    slack, rita, other_responder
):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    from incidents.models import Role

    web(
        slack,
        services.incident_change_severity,
        incident=incident,
        severity=severity(2),
        actor=rita,
    )
    web(slack, services.incident_add_note, incident=incident, text="Looking at logs", actor=rita)
    web(
        slack,
        services.incident_assign_role,
        incident=incident,
        role=Role.objects.get(slug="commander"),
        user=other_responder,
        actor=rita,
    )
    web(
        slack,
        services.incident_post_stakeholder_update,
        incident=incident,
        body="Degraded.",
        actor=rita,
    )

    lines = [p["text"] for p in slack.workspace.take("chat.postMessage")]
    assert lines[0].startswith(":small_blue_diamond: Severity changed from SEV-3 to SEV-2")
    assert lines[1] == f":memo: <@{RITA}>: Looking at logs"
    assert "ron-responder is now Incident Commander" in lines[2]
    assert lines[3] == f":mega: *Stakeholder update* by <@{RITA}>:\n>Degraded."
    topics = [t["topic"] for t in slack.workspace.take("conversations.setTopic")]
    assert topics[0].startswith("SEV-2 · Triggered · IC: rita-responder")
    assert topics[1].startswith("SEV-2 · Triggered · IC: ron-responder")
    [invite] = slack.workspace.take("conversations.invite")  # the new commander joins
    assert invite["users"] == RON
    slack.workspace.take("users.lookupByEmail")


def test_a_retried_sync_posts_a_timeline_line_once(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    with slack.capture(execute=True):
        services.incident_add_note(incident=incident, text="once", actor=rita, source="web")
    event = TimelineEvent.objects.get(kind="incident.note_added")

    sync.timeline_event_sync(event.pk)

    assert len(slack.workspace.take("chat.postMessage")) == 1


def test_a_rate_limited_post_is_retried_after_retry_after(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    slack.workspace.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=2)

    web(slack, services.incident_add_note, incident=incident, text="retry me", actor=rita)

    posts = slack.workspace.take("chat.postMessage")
    assert len(posts) == 3  # two refused, the third posted
    assert SlackMessage.objects.get(kind="timeline").ts
    assert not TimelineEvent.objects.filter(kind="slack.failed").exists()


def test_a_permanent_failure_is_reported_on_the_incident_timeline(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0GONE")
    slack.workspace.fail("chat.postMessage", "channel_not_found")

    web(slack, services.incident_add_note, incident=incident, text="lost?", actor=rita)

    slack.workspace.take("chat.postMessage")
    failed = TimelineEvent.objects.get(kind="slack.failed")
    assert failed.message == (
        "Slack: could not sync a change to Slack (chat.postMessage) (channel_not_found)."
    )
    assert failed.data == {"method": "chat.postMessage", "error": "channel_not_found"}


def test_a_revoked_token_is_reported_and_not_retried(slack, rita):
    with slack.capture(execute=True):
        slack.workspace.fail("conversations.create", "token_revoked", times=5)
        declare(rita, "Everything down", rank=1)

    assert len(slack.workspace.take("conversations.create")) == 1
    assert TimelineEvent.objects.filter(kind="slack.failed", data__error="token_revoked").exists()


def test_rate_limits_that_never_end_are_reported_after_the_last_retry(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0INC")
    slack.workspace.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=99)

    web(slack, services.incident_add_note, incident=incident, text="busy", actor=rita)

    assert len(slack.workspace.take("chat.postMessage")) == 6  # first try + 5 retries
    assert TimelineEvent.objects.get(kind="slack.failed").data["error"] == "ratelimited"


def test_the_channel_is_archived_a_configured_time_after_close(slack, rita, settings):
    settings.SLACK_CHANNEL_ARCHIVE_HOURS = 2
    incident = declare(rita)
    with_channel(incident, "C0INC")
    web(slack, services.incident_resolve, incident=incident, actor=rita)
    web(slack, services.incident_close, incident=incident, actor=rita)
    slack.workspace.take("chat.postMessage")
    slack.workspace.take("conversations.setTopic")
    channel = IncidentChannel.objects.get()
    assert channel.archive_at is not None

    with clock.frozen_at(channel.archive_at - timedelta(minutes=1)):
        assert sync.channels_archive_due() == 0
    with clock.frozen_at(channel.archive_at + timedelta(minutes=1)):
        assert sync.channels_archive_due() == 1
        assert sync.channels_archive_due() == 0

    [archive] = slack.workspace.take("conversations.archive")
    assert archive == {"channel": "C0INC"}
    assert IncidentChannel.objects.get().archived_at is not None


def test_page_notifications_sent_by_slack_are_updated_on_status_changes(slack, rita):
    from oncall.models import Page, PageStatus

    incident = declare(rita)
    Page.objects.create(
        incident=incident,
        user=rita,
        channel="slack",
        status=PageStatus.SENT,
        due_at=clock.now(),
        provider_response={"channel": "D0RITA", "ts": "5.5"},
    )

    web(slack, services.incident_acknowledge, incident=incident, actor=rita)

    [update] = slack.workspace.take("chat.update")
    assert (update["channel"], update["ts"]) == ("D0RITA", "5.5")
    assert f"Acknowledged by <@{RITA}>" in str(update["blocks"])


def test_without_a_signing_secret_the_slack_app_stays_quiet(slack, rita, settings):
    settings.SLACK_SIGNING_SECRET = ""

    with slack.capture(execute=True):
        declare(rita, "Quiet", rank=1)

    assert slack.workspace.http.requests == []


def test_everyone_paged_is_invited_to_the_incident_channel(slack, defaults):
    from tests.oncall.conftest import declare as declare_with_policy
    from tests.oncall.conftest import person, policy_of

    sue = person("sue-paged")
    slack.workspace.add_user("U0SUE", "sue-paged@example.com")

    declare_with_policy(policy_of("Sue", (5, [sue])), rank=1, at=clock.now())

    assert slack.standins.emails_to(sue)
    invited = {i["users"] for i in slack.workspace.take("conversations.invite")}
    assert "U0SUE" in invited
    lines = [p.get("text", "") for p in slack.workspace.take("chat.postMessage")]
    assert any("Paged level 1" in line for line in lines)
    slack.workspace.take("")


def test_a_429_says_how_long_slack_wants_us_to_wait(slack):
    from integrations.slack import client

    slack.workspace.fail("chat.postMessage", "ratelimited", status=429, retry_after=7)

    with pytest.raises(client.SlackFailure) as failure:
        client.api("chat.postMessage", channel="C1", text="hi")

    assert (failure.value.transient, failure.value.retry_after) == (True, 7)
    slack.workspace.take("chat.postMessage")


def test_an_unreachable_slack_is_a_transient_failure(slack, settings):
    from integrations.slack import client

    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"

    with pytest.raises(client.SlackFailure) as failure:
        client.api("chat.postMessage", channel="C1", text="hi")

    assert failure.value.transient


def test_a_timeline_post_whose_task_was_lost_is_posted_by_the_sweep(slack, rita):
    from integrations.slack.tasks import slack_sweep_task

    incident = declare(rita)
    with_channel(incident, "C0INC")
    with slack.capture(execute=False):  # the sync task is "lost"
        services.incident_add_note(incident=incident, text="lost note", actor=rita, source="web")
    note = TimelineEvent.objects.get(kind="incident.note_added")

    assert sync.timeline_events_unposted() == []  # not yet: the task may only be slow
    with clock.frozen_at(note.created_at + timedelta(minutes=2)), slack.capture(execute=True):
        assert "1 timeline events queued again" in slack_sweep_task()
        assert sync.timeline_events_unposted() == []

    [line] = slack.workspace.take("chat.postMessage")
    assert line["text"] == f":memo: <@{RITA}>: lost note"


def test_a_reported_failure_is_not_retried_by_the_sweep(slack, rita):
    incident = declare(rita)
    with_channel(incident, "C0GONE")
    slack.workspace.fail("chat.postMessage", "channel_not_found")
    web(slack, services.incident_add_note, incident=incident, text="gone", actor=rita)
    slack.workspace.take("chat.postMessage")
    failed = TimelineEvent.objects.get(kind="slack.failed")

    with clock.frozen_at(failed.created_at + timedelta(minutes=2)):
        assert sync.timeline_events_unposted() == []


def test_raising_an_incident_to_sev2_gives_it_a_channel(slack, rita):
    incident = declare(rita)

    web(
        slack,
        services.incident_change_severity,
        incident=incident,
        severity=severity(2),
        actor=rita,
    )

    [create] = slack.workspace.take("conversations.create")
    assert create["name"] == "inc-1-checkout-is-slow"
    assert IncidentChannel.objects.get(incident=incident).channel_id == "C100"
    slack.workspace.take("")
