"""The integrations pages and the alerts on the incident page, through the Django test client."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Integration, intake_key_hash
from core import clock
from incidents.models import Incident, Severity

pytestmark = pytest.mark.django_db
LIST = "/integrations/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def integration_severity() -> int:
    return Severity.objects.get(rank=3).pk


def page_of(integration: Integration) -> str:
    return f"{LIST}{integration.pk}/"


# --- List and nav ----------------------------------------------------------------------------


def test_the_list_shows_kind_service_state_maintenance_and_last_delivery(
    responder, make_integration, post_hook
):
    quiet = make_integration(name="quiet")
    busy = make_integration(name="busy", kind="generic")
    post_hook(busy, {"title": "Disk full"})
    with clock.frozen_at(clock.now()):
        quiet.maintenance_until = clock.now() + timedelta(hours=1)
        quiet.save()
    response = signed_in(responder).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Prometheus Alertmanager" in html
    assert "Generic JSON" in html
    assert "never" in html
    assert "processed" in html
    assert "Until " in html
    assert 'href="/integrations/"' in html  # the nav link


def test_responders_see_no_create_form_and_cannot_post_one(responder, api_service):
    client = signed_in(responder)
    assert "New integration" not in client.get(LIST).content.decode()
    response = client.post(
        LIST, {"name": "x", "kind": "generic", "service": api_service.pk, "default_severity": 1}
    )
    assert response.status_code == 403
    assert not Integration.objects.exists()


def test_outsiders_get_403_and_anonymous_visitors_the_login_page(outsider, make_integration):
    integration = make_integration()
    client = signed_in(outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(page_of(integration)).status_code == 404
    assert "Integrations" not in client.get("/").content.decode()
    anonymous = Client().get(LIST)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


# --- Create and the key once -----------------------------------------------------------------


def test_an_admin_creates_one_and_sees_the_full_url_once(admin_user, api_service, client):
    browser = signed_in(admin_user)
    response = browser.post(
        LIST,
        {"name": "prod", "kind": "alertmanager", "service": api_service.pk, "default_severity": 2},
    )
    integration = Integration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(integration)
    first = browser.get(page_of(integration)).content.decode()
    key = first.split("/hooks/alertmanager/")[1].split("<")[0]
    assert integration.key_hash == intake_key_hash(key)
    assert "webhook_configs:" in first
    assert 'url: "http://127.0.0.1:8000/hooks/alertmanager"' in first
    assert f'credentials: "{key}"' in first  # the key in a header, out of access logs
    assert "shown this once" in first
    second = browser.get(page_of(integration)).content.decode()
    assert key not in second
    assert f"/hooks/alertmanager/{key[:6]}" in second
    assert integration.default_severity.rank == 2


def test_a_bad_create_form_comes_back_with_the_reasons(admin_user, make_integration, api_service):
    make_integration(name="taken")
    response = signed_in(admin_user).post(
        LIST,
        {
            "name": "taken",
            "kind": "alertmanager",
            "service": api_service.pk,
            "default_severity": integration_severity(),
        },
    )
    assert response.status_code == 400
    assert "Already used for this service." in response.content.decode()
    response = signed_in(admin_user).post(LIST, {"name": "", "kind": "nagios", "service": "x"})
    assert response.status_code == 400
    assert Integration.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("grafana", "Contact points"),
        ("pagerduty", "/v2/enqueue"),
        ("generic", "dedup_key"),
    ],
)
def test_each_kind_gets_its_setup_instructions_and_a_test_command(
    admin_user, make_integration, kind, expected
):
    integration = make_integration(kind=kind)
    html = signed_in(admin_user).get(page_of(integration)).content.decode()
    assert expected in html
    assert "curl -sS -X POST" in html


def test_the_test_command_is_a_delivery_the_hook_accepts(admin_user, make_integration, post_hook):
    # The page's payload with the real key put in, as a person would paste it.
    from alerts.views import TEST_PAYLOADS

    for kind in ("alertmanager", "grafana", "generic"):
        integration = make_integration(kind=kind)
        response = post_hook(integration, TEST_PAYLOADS[kind](integration.test_key))
        assert response.status_code == 202, response.content
    pd = make_integration(kind="pagerduty")
    response = post_hook(pd, TEST_PAYLOADS["pagerduty"](pd.test_key), path="/v2/enqueue")
    assert response.status_code == 202, response.content


# --- Rotate, enable, maintenance, settings ---------------------------------------------------


def test_rotating_with_htmx_answers_the_key_region_with_the_new_key(admin_user, make_integration):
    integration = make_integration(kind="generic")
    response = signed_in(admin_user).post(
        f"{page_of(integration)}rotate-key/", HTTP_HX_TARGET="integration_key", **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="integration_key"')
    key = html.split("/hooks/generic/")[1].split("<")[0]
    integration.refresh_from_db()
    assert integration.key_hash == intake_key_hash(key)
    assert json.loads(response["HX-Trigger"]) == {
        "integration-changed": {"region": "integration_key"}
    }


def test_rotating_without_javascript_shows_the_key_on_the_next_page(admin_user, make_integration):
    integration = make_integration(kind="generic")
    browser = signed_in(admin_user)
    response = browser.post(f"{page_of(integration)}rotate-key/")
    assert response.status_code == 302
    html = browser.get(page_of(integration)).content.decode()
    key = html.split("/hooks/generic/")[1].split("<")[0]
    integration.refresh_from_db()
    assert integration.key_hash == intake_key_hash(key)


def test_disable_and_enable(admin_user, make_integration):
    integration = make_integration()
    browser = signed_in(admin_user)
    response = browser.post(f"{page_of(integration)}enabled/", {"enabled": "0"}, **HTMX)
    assert response.status_code == 200
    assert "senders get 404" in response.content.decode()
    integration.refresh_from_db()
    assert not integration.enabled
    browser.post(f"{page_of(integration)}enabled/", {"enabled": "1"})
    integration.refresh_from_db()
    assert integration.enabled
    assert browser.post(f"{page_of(integration)}enabled/", {"enabled": "x"}).status_code == 400


def test_maintenance_on_for_a_duration_or_until_a_time_and_off(admin_user, make_integration):
    integration = make_integration()
    browser = signed_in(admin_user)
    url = f"{page_of(integration)}maintenance/"
    response = browser.post(url, {"action": "start", "minutes": "60"}, **HTMX)
    assert response.status_code == 200
    assert "End maintenance now" in response.content.decode()
    integration.refresh_from_db()
    assert integration.in_maintenance(clock.now())
    # The form reads a local time (the viewer's zone), as the datetime-local field shows it.
    until = timezone.localtime(clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    browser.post(url, {"action": "start", "minutes": "", "until": until})
    integration.refresh_from_db()
    assert timezone.localtime(integration.maintenance_until).strftime("%Y-%m-%dT%H:%M") == until
    browser.post(url, {"action": "end"}, **HTMX)
    integration.refresh_from_db()
    assert integration.maintenance_until is None


@pytest.mark.parametrize(
    "data",
    [
        {"action": "start", "minutes": ""},
        {"action": "start", "minutes": "", "until": "2001-01-01T00:00"},
        {"action": "start", "minutes": "", "until": "not a time"},
        {"action": "start", "minutes": "99999999999999999999"},
    ],
)
def test_a_bad_maintenance_form_is_a_400_in_the_error_region(admin_user, make_integration, data):
    integration = make_integration()
    response = signed_in(admin_user).post(f"{page_of(integration)}maintenance/", data, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#flash"


def test_settings_are_saved(admin_user, make_integration):
    integration = make_integration()
    response = signed_in(admin_user).post(
        f"{page_of(integration)}settings/",
        {
            "name": "renamed",
            "default_severity": integration.default_severity_id,
            "severity_label": "priority",
            "severity_mapping": "P1 = SEV-1\n\nP3 = 3",
            "group_by_labels": "alertname, cluster",
            "auto_resolve": "",
        },
        **HTMX,
    )
    assert response.status_code == 200, response.content
    integration.refresh_from_db()
    assert integration.name == "renamed"
    assert integration.severity_mapping == {"p1": 1, "p3": 3}
    assert integration.group_by_labels == ["alertname", "cluster"]
    assert integration.auto_resolve is False
    assert "P1 = SEV-1" not in response.content.decode()  # keys are stored lower-case
    assert "p1 = SEV-1" in response.content.decode()


@pytest.mark.parametrize("mapping", ["critical", "critical = SEV-9", " = 1", "x" * 70 + " = 1"])
def test_bad_settings_are_a_400_naming_the_problem(admin_user, make_integration, mapping):
    integration = make_integration()
    response = signed_in(admin_user).post(
        f"{page_of(integration)}settings/",
        {
            "name": "n",
            "default_severity": integration.default_severity_id,
            "severity_label": "severity",
            "severity_mapping": mapping,
        },
        **HTMX,
    )
    assert response.status_code == 400
    assert "severity" in response.content.decode().lower()


def test_viewers_see_the_page_without_buttons_and_cannot_change_it(viewer, make_integration):
    integration = make_integration()
    client = signed_in(viewer)
    html = client.get(page_of(integration)).content.decode()
    assert "Rotate key" not in html
    assert "Start maintenance" not in html
    assert "Save settings" not in html
    for suffix, data in [
        ("rotate-key/", {}),
        ("enabled/", {"enabled": "0"}),
        ("maintenance/", {"action": "end"}),
        ("settings/", {"name": "x"}),
    ]:
        assert client.post(f"{page_of(integration)}{suffix}", data).status_code == 403
    integration.refresh_from_db()
    assert integration.enabled


def test_writes_need_post_and_a_csrf_token(admin_user, make_integration):
    integration = make_integration()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert browser.get(f"{page_of(integration)}rotate-key/").status_code == 405
    assert browser.post(f"{page_of(integration)}rotate-key/").status_code == 403
    old = integration.key_hash
    integration.refresh_from_db()
    assert integration.key_hash == old


# --- Deliveries region -------------------------------------------------------------------------


def test_the_deliveries_region_lists_the_last_50_with_status_and_error(
    responder, make_integration, post_hook
):
    integration = make_integration(kind="generic")
    for number in range(52):
        post_hook(integration, {"title": f"Alert {number}"})
    post_hook(integration, {"status": "firing"})
    response = signed_in(responder).get(
        f"{page_of(integration)}parts/integration_deliveries/", **HTMX
    )
    html = response.content.decode()
    assert html.count('<tr class="delivery">') == 50
    assert "Rejected" in html
    assert "title: is required" in html or "title" in html
    assert signed_in(responder).get(f"{page_of(integration)}parts/nope/").status_code == 404


def test_the_integration_page_takes_a_fixed_number_of_queries(
    admin_user, make_integration, post_hook, django_assert_max_num_queries
):
    integration = make_integration(kind="generic")
    for number in range(20):
        post_hook(integration, {"title": f"Alert {number}"})
    browser = signed_in(admin_user)
    with django_assert_max_num_queries(20):
        assert browser.get(page_of(integration)).status_code == 200


# --- Alerts on the incident page -------------------------------------------------------------


def test_the_incident_page_shows_its_alerts(responder, make_integration, post_hook):
    integration = make_integration()
    body = {
        "version": "4",
        "status": "firing",
        "groupKey": "g1",
        "alerts": [
            {
                "status": "firing",
                "fingerprint": "f1",
                "labels": {"alertname": "HighLatency", "severity": "critical", "pod": "api-7"},
                "annotations": {"summary": "p99 latency above 2s"},
                "generatorURL": "https://prometheus.example.com/graph?g0.expr=x",
            },
            {
                "status": "firing",
                "fingerprint": "f2",
                "labels": {"alertname": "Evil"},
                "annotations": {"summary": "Evil link"},
                "generatorURL": "javascript:alert(1)",
            },
        ],
    }
    post_hook(integration, body)
    post_hook(integration, body)
    incident = Incident.objects.get()
    html = signed_in(responder).get(f"/incidents/{incident.number}/").content.decode()
    section = html.split('id="incident-alerts"')[1].split("</ul>")[0]
    assert "p99 latency above 2s" in section
    assert "Firing" in section
    assert "SEV-1" in section
    assert "pod=api-7" in section
    assert "\u00d72" in section  # seen twice
    assert "first seen" in section
    assert 'href="https://prometheus.example.com/graph?g0.expr=x"' in section
    assert "javascript:" not in section


def test_the_incident_page_reads_its_alerts_in_constant_queries(
    responder, make_integration, post_hook
):
    def group(size: int) -> dict:
        alerts = [
            {
                "status": "firing",
                "fingerprint": f"f{n}",
                "labels": {"alertname": "HighLatency", "pod": f"api-{n}"},
                "annotations": {"summary": "p99 latency above 2s"},
                "generatorURL": "https://prometheus.example.com/graph?g0.expr=x",
            }
            for n in range(size)
        ]
        return {"version": "4", "status": "firing", "groupKey": "g1", "alerts": alerts}

    integration = make_integration()
    post_hook(integration, group(1))
    incident = Incident.objects.get()
    browser = signed_in(responder)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(f"/incidents/{incident.number}/").status_code == 200
        return len(captured)

    one_alert = queries()
    post_hook(integration, group(4))
    assert incident.alerts.count() == 4
    assert queries() == one_alert
