"""PagerDuty channel: the `pagerduty` package's EventsApiV2Client against a local stand-in."""

from __future__ import annotations

from incidents import services as incident_services
from oncall.models import Page, PageStatus
from tests.oncall.conftest import T0, act, declare, person, policy_of
from tests.standins import fixtures
from tests.standins.http import Answer

standins = fixtures.standins


def _echo_dedup(request):
    return Answer(status=202, json={"status": "success", "dedup_key": request.json()["dedup_key"]})


def test_a_page_triggers_and_acknowledge_and_resolve_follow_by_dedup_key(standins, db):
    standins.http.respond("/pagerduty/v2/enqueue", _echo_dedup)
    paul = person("paul-pd", high=(("pagerduty", 0),))
    incident = declare(policy_of("PD", (5, [paul])), title="DB failover")
    [trigger] = standins.http.take("/pagerduty/v2/enqueue")
    event = trigger.json()
    assert event["event_action"] == "trigger"
    assert event["routing_key"] == "R0UTINGKEY"
    assert event["dedup_key"] == f"firebell-incident-{incident.pk}"
    assert event["payload"]["severity"] == "critical"
    assert "DB failover" in event["payload"]["summary"]
    act(incident_services.incident_acknowledge, incident, T0)
    act(incident_services.incident_resolve, incident, T0)
    actions = [r.json()["event_action"] for r in standins.http.take("/pagerduty/v2/enqueue")]
    assert actions == ["acknowledge", "resolve"]
    assert Page.objects.get().provider_response["synced"] == ["acknowledge", "resolve"]


def test_an_invalid_routing_key_fails_for_good(standins, db):
    standins.http.respond("/pagerduty/v2/enqueue", status=400, json={"status": "invalid event"})
    paul = person("paul-pd", high=(("pagerduty", 0),))
    declare(policy_of("PD", (5, [paul])))
    assert len(standins.http.take("/pagerduty/v2/enqueue")) == 1
    assert Page.objects.get().status == PageStatus.FAILED
