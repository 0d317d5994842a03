"""Outgoing webhook channel against a local recording HTTP server."""

from __future__ import annotations

import hashlib
import hmac

from oncall.models import Page, PageStatus
from tests.oncall.conftest import declare, person, policy_of
from tests.standins import fixtures

standins = fixtures.standins


def test_a_page_is_posted_as_json_signed_with_hmac_sha256(standins, db):
    hooked = person("hu-hooked", high=(("webhook", 0),))
    declare(policy_of("Hook", (5, [hooked])), title="Queue stuck")
    [request] = standins.http.take("/hook")
    expected = hmac.new(b"webhook-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Firebell-Signature"] == f"sha256={expected}"
    body = request.json()
    assert body["incident"]["title"] == "Queue stuck"
    assert body["user"] == "hu-hooked"
    assert Page.objects.get().status == PageStatus.SENT


def test_the_rule_address_overrides_the_default_webhook_url(standins, db):
    own = person("oz-own", high=(("webhook", 0, f"{standins.http.url}/own-hook"),))
    declare(policy_of("Hook", (5, [own])))
    assert len(standins.http.take("/own-hook")) == 1


def test_a_client_error_fails_for_good_and_a_server_error_is_retried(standins, db):
    standins.http.respond("/hook/bad", status=400, body=b"no")
    standins.http.respond("/hook/busy", status=502, body=b"later")
    bad = person("bea-bad", high=(("webhook", 0, f"{standins.http.url}/hook/bad"),))
    busy = person("bo-busy", high=(("webhook", 0, f"{standins.http.url}/hook/busy"),))
    declare(policy_of("Hook", (5, [bad, busy])))
    assert len(standins.http.take("/hook/")) == 2
    assert Page.objects.get(user=bad).status == PageStatus.FAILED
    assert Page.objects.get(user=busy).status == PageStatus.PENDING
