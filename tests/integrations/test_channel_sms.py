"""SMS and voice channels: a Twilio-style form POST to a local stand-in."""

from __future__ import annotations

import base64

from oncall.models import Page, PageStatus
from tests.oncall.conftest import declare, person, policy_of
from tests.standins import fixtures

standins = fixtures.standins


def test_an_sms_is_a_form_post_with_basic_auth_to_the_messages_resource(standins, db):
    standins.http.respond("/sms/", status=201, json={"sid": "SM1"})
    sam = person("sam-sms", high=(("sms", 0, "+15551234567"), ("voice", 5, "+15551234567")))
    declare(policy_of("SMS", (10, [sam])), title="API latency")
    [request] = standins.http.take("/sms/Accounts/AC123/Messages.json")
    form = request.form()
    assert form["To"] == "+15551234567"
    assert form["From"] == "+15550000000"
    assert "API latency" in form["Body"]
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"AC123:sms-secret").decode()
    )
    assert Page.objects.get(channel="sms").status == PageStatus.SENT


def test_a_voice_call_follows_when_its_rule_delay_passes(standins, db):
    from datetime import timedelta

    from tests.oncall.conftest import T0, tick

    standins.http.respond("/sms/", status=201, json={"sid": "CA1"})
    vic = person("vic-voice", high=(("voice", 5, "+15557654321"),))
    declare(policy_of("Voice", (10, [vic])))
    tick(T0 + timedelta(minutes=5))
    [call] = standins.http.take("/sms/Accounts/AC123/Calls.json")
    assert "<Say>" in call.form()["Twiml"]


def test_a_rule_without_a_number_fails_without_calling_the_provider(standins, db):
    nobody = person("ned-nonumber", high=(("sms", 0),))
    declare(policy_of("SMS", (10, [nobody])))
    assert Page.objects.get().status == PageStatus.FAILED
