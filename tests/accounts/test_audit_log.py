"""The audit log page: who changed what (people, groups, services, policies, integrations, keys,
tokens, sign-ins), filterable, admins only; and its pruning after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.services import api_token_rotate, audit_log_prune
from accounts.tasks import audit_log_prune_task
from alerts.services import integration_create, integration_rotate_key
from core import clock
from oncall.services.policies import policy_create
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.django_db
AUDIT = "/security/audit/"


def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def table(client: Client, query: str = "") -> str:
    response = client.get(f"{AUDIT}?{query}" if query else AUDIT)
    assert response.status_code == 200, response.content
    page = response.content.decode()
    return page[page.index('id="audit-entries"') :]


def test_an_api_change_to_a_service_is_listed_with_who_made_it(admin_user):
    ServiceFactory(slug="checkout", name="Checkout")
    api = APIClient(REMOTE_ADDR="203.0.113.4")
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_rotate(admin_user).key}")
    assert (
        api.patch("/api/v1/services/checkout/", {"name": "Till"}, format="json").status_code == 200
    )
    rows = table(admin_client(admin_user), "kind=incidents.service")
    assert "Service: <strong>Till</strong>" in rows
    assert "name: Checkout → Till" in rows
    assert admin_user.username in rows
    assert "203.0.113.4" in rows


def test_group_membership_policies_integrations_keys_and_tokens_are_audited(admin_user, responder):
    responder.groups.add(Group.objects.get(name="Viewer"))
    policy_create(name="Payments", actor=admin_user)
    integration, _ = integration_create(
        service=ServiceFactory(slug="pay"),
        kind="generic",
        name="pay-hook",
        actor=admin_user,
        default_severity=severity(3),
    )
    integration_rotate_key(integration=integration, actor=admin_user)
    issued = api_token_rotate(responder)
    rows = table(admin_client(admin_user))
    assert f"User: <strong>{responder.username}</strong>" in rows
    assert "groups: add Viewer" in rows
    assert "Escalation policy: <strong>Payments</strong>" in rows
    assert "Integration: <strong>pay-hook" in rows
    assert "Api token" in rows or "API token" in rows
    assert issued.key not in rows
    assert issued.token.key_hash not in rows


def test_sign_ins_and_failures_are_audited_with_the_address(admin_user, responder):
    ok = Client(REMOTE_ADDR="198.51.100.5").post(
        "/login/", {"username": responder.username, "password": "correct horse battery staple"}
    )
    assert ok.status_code == 302
    Client(REMOTE_ADDR="198.51.100.6").post("/login/", {"username": "nobody", "password": "x"})
    rows = table(admin_client(admin_user), f"action={LogEntry.Action.ACCESS}")
    assert "signed in" in rows
    assert "198.51.100.5" in rows
    assert "sign in failed" in rows
    assert "<strong>nobody</strong>" in rows


def test_the_log_filters_by_who_what_and_when(admin_user, responder):
    ServiceFactory(slug="search", name="Search")
    policy_create(name="Search team", actor=admin_user)
    client = admin_client(admin_user)
    by_kind = table(client, "kind=oncall.escalationpolicy")
    assert "Search team" in by_kind
    assert "Service: <strong>Search</strong>" not in by_kind
    assert "Search team" not in table(client, f"actor={responder.username}")
    today = clock.now().date()
    assert "Search team" in table(client, f"since={today - timedelta(days=1)}&until={today}")
    assert "Search team" not in table(client, f"since={today + timedelta(days=1)}")
    assert "Search team" in table(client, "q=search+t")


def test_a_bad_filter_comes_back_with_the_reason(admin_user):
    response = admin_client(admin_user).get(f"{AUDIT}?since=2026-02-02&until=2026-02-01")
    assert response.status_code == 400
    assert "Must not be before From." in response.content.decode()


def test_only_admins_see_the_audit_log(responder, viewer):
    for user in (responder, viewer):
        client = Client()
        client.force_login(user)
        assert client.get(AUDIT).status_code == 403


@override_settings(FIREBELL_AUDIT_RETENTION_DAYS=365)
def test_entries_older_than_the_retention_period_are_pruned(admin_user):
    policy_create(name="Old", actor=admin_user)
    policy_create(name="Recent", actor=admin_user)
    now = clock.now()
    LogEntry.objects.filter(object_repr="Old").update(timestamp=now - timedelta(days=366))
    LogEntry.objects.filter(object_repr="Recent").update(timestamp=now - timedelta(days=364))
    assert audit_log_prune(now=now) == 1
    assert list(LogEntry.objects.filter(object_repr__in=["Old", "Recent"]).values_list(
        "object_repr", flat=True
    )) == ["Recent"]  # fmt: skip
    assert audit_log_prune_task() == "pruned 0 audit entries"


def test_security_in_the_nav_opens_the_audit_log(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/security/")
    assert response.status_code == 302
    assert response["Location"] == "/security/audit/"
