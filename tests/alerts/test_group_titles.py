"""Incident titles of Alertmanager groups, and link annotations on the incident (issue 11).

The rule (docs/alerts.md#incident-titles): the group's name (its alertname, then other group
labels) plus the summary only when every alert of the group shares it — never one instance's
text when the group holds several, whichever delivery came first.
"""

from __future__ import annotations

import pytest
from django.test import Client

from incidents.models import Incident
from integrations.alertmanager.parser import group_title, parse
from tests.alerts.conftest import fixture_body

AM = "alertmanager/{}.json"


@pytest.mark.parametrize(
    ("fixture", "title"),
    [
        (
            "01-diskspacelow-firing",
            "DiskSpaceLow: Disk space below 10% on db-1:9100 /var/lib/postgresql",
        ),
        ("02-higherrorrate-firing-2-alerts", "HighErrorRate"),
        ("03-higherrorrate-firing-3rd-instance-added", "HighErrorRate"),
        ("04-higherrorrate-firing-one-alert-resolved", "HighErrorRate"),
        ("07-higherrorrate-firing-truncated-max-alerts-1", "HighErrorRate"),
    ],
)
def test_each_captured_group_is_named_after_the_group(fixture, title):
    signals = parse(fixture_body(AM.format(fixture)))
    assert {signal.group_title for signal in signals} == {title}


def test_a_group_of_several_is_never_named_after_one_instance():
    for fixture in (
        "02-higherrorrate-firing-2-alerts",
        "03-higherrorrate-firing-3rd-instance-added",
    ):
        for signal in parse(fixture_body(AM.format(fixture))):
            assert signal.title.startswith("High 5xx error rate on api-")  # the alert's own
            assert "api-" not in signal.group_title  # the group's


def test_a_truncated_group_does_not_take_the_listed_alerts_summary():
    body = fixture_body(AM.format("07-higherrorrate-firing-truncated-max-alerts-1"))
    body["commonAnnotations"] = {"summary": "High 5xx error rate on api-1:8080"}
    assert {signal.group_title for signal in parse(body)} == {"HighErrorRate"}


def test_a_summary_every_alert_shares_follows_the_name_and_other_group_labels_are_named():
    title = group_title(
        {"alertname": "HighErrorRate", "service": "api"},
        {"alertname": "HighErrorRate", "service": "api"},
        {"summary": "More than 5% of requests fail"},
    )
    assert title == "HighErrorRate (service=api): More than 5% of requests fail"
    assert group_title({"cluster": "eu-1"}, {}, {}) == "cluster=eu-1"
    assert group_title({}, {}, {}) == "Alert"


@pytest.mark.django_db
def test_the_incident_title_does_not_depend_on_the_first_deliverys_size(
    post_hook, make_integration
):
    integration = make_integration()
    one = fixture_body(AM.format("02-higherrorrate-firing-2-alerts"))
    # The same group's first delivery carrying one alert only (as Alertmanager sends it then).
    one["alerts"] = one["alerts"][:1]
    one["commonLabels"] = one["alerts"][0]["labels"]
    one["commonAnnotations"] = one["alerts"][0]["annotations"]
    assert post_hook(integration, one).status_code == 202
    incident = Incident.objects.get()
    assert incident.title.startswith("HighErrorRate")
    assert (
        post_hook(
            integration, fixture_body(AM.format("03-higherrorrate-firing-3rd-instance-added"))
        ).status_code
        == 202
    )
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_the_runbook_and_other_link_annotations_show_on_the_incident(
    post_hook, make_integration, responder
):
    integration = make_integration()
    body = fixture_body(AM.format("02-higherrorrate-firing-2-alerts"))
    body["alerts"][0]["annotations"]["dashboard_url"] = "https://grafana.example.internal/d/api"
    body["alerts"][1]["annotations"]["evil_url"] = "javascript:alert(1)"
    assert post_hook(integration, body).status_code == 202
    incident = Incident.objects.get()
    client = Client()
    client.force_login(responder)
    panel = client.get(f"/incidents/{incident.number}/parts/incident_alerts/").content.decode()
    runbooks = panel.split('class="alert-runbooks"')[1].split("</p>")[0]
    assert 'href="https://runbooks.example.internal/api/high-error-rate"' in runbooks
    assert ">Runbook</a>" in runbooks
    assert ">Dashboard</a>" in runbooks
    assert runbooks.count("high-error-rate") == 1  # once for the group, not once per alert
    assert "javascript:" not in panel


def test_a_bare_alert_without_group_labels_is_named_after_its_alertname():
    """The integration page's test curl sends no groupLabels/commonAnnotations: the incident
    was titled "Alert"; it is named after the alert."""
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "FirebellTest", "severity": "warning"},
                "annotations": {"summary": "Test alert from Firebell's setup page"},
            }
        ],
    }
    assert [signal.group_title for signal in parse(body)] == ["FirebellTest"]
    body["alerts"][0]["labels"] = {"severity": "warning"}
    assert [signal.group_title for signal in parse(body)] == [
        "Test alert from Firebell's setup page"
    ]
