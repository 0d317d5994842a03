"""Every error answer of the intake endpoints, and that nothing accepted is ever lost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Alert, AlertDelivery, DeliveryStatus
from alerts.services import deliveries_sweep, integration_set_maintenance
from core import clock
from firebell.celery import app as celery_app
from incidents.models import Incident, TimelineEvent
from tests.alerts.conftest import fixture_body
from tests.concurrency import broker_switched_to

FIRING = "alertmanager/01-diskspacelow-firing.json"


@pytest.mark.django_db
def test_an_unknown_key_is_404_and_stores_nothing(client, make_integration):
    make_integration()
    response = client.post(
        "/hooks/alertmanager/not-a-key", data="{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert "intake key" in response.json()["message"]
    assert AlertDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_disabled_integration_is_404(post_hook, make_integration):
    integration = make_integration(enabled=False)
    assert post_hook(integration, fixture_body(FIRING)).status_code == 404


@pytest.mark.django_db
def test_a_key_of_another_kind_is_404(client, make_integration):
    grafana = make_integration(kind="grafana")
    response = client.post(
        f"/hooks/alertmanager/{grafana.test_key}", data="{}", content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_405(client, make_integration, method):
    integration = make_integration()
    response = getattr(client, method)(f"/hooks/alertmanager/{integration.test_key}")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_415(post_hook, make_integration):
    integration = make_integration()
    response = post_hook(integration, None, raw=b"a=1", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]


@pytest.mark.django_db
def test_a_body_over_512_kb_is_413(post_hook, make_integration):
    integration = make_integration(kind="generic")
    big = json.dumps({"title": "x", "description": "y" * (600 * 1024)}).encode()
    response = post_hook(integration, None, raw=big)
    assert response.status_code == 413
    assert AlertDelivery.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_400_and_kept_as_a_rejected_delivery(post_hook, make_integration):
    integration = make_integration()
    response = post_hook(integration, None, raw=b'{"alerts": [')
    assert response.status_code == 400
    assert response.json()["message"].startswith("The body is not valid JSON")
    # Not stored: it could not be read as JSON, so there is nothing to keep but bytes; the
    # rejection is still answered precisely.
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_schema_error_names_the_field_and_keeps_the_delivery(post_hook, make_integration):
    integration = make_integration()
    body = fixture_body(FIRING)
    body["alerts"][0]["status"] = "on fire"
    response = post_hook(integration, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "alerts[0].status": ["must be 'firing' or 'resolved', not 'on fire'"]
    }
    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REJECTED
    assert "alerts[0].status" in delivery.error
    assert json.loads(delivery.body) == body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("alerts"), "alerts"),
        (lambda b: b["alerts"][0].update(labels=["x"]), "alerts[0].labels"),
        (lambda b: b["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
        (lambda b: b["alerts"][0].update(startsAt="2026-13-45T00:00:00Z"), "alerts[0].startsAt"),
        (lambda b: b.update(commonLabels=7), "commonLabels"),
    ],
)
def test_each_alertmanager_schema_error_is_a_400(post_hook, make_integration, mutate, field):
    integration = make_integration()
    body = fixture_body(FIRING)
    mutate(body)
    response = post_hook(integration, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_nul_characters_are_replaced_not_refused(post_hook, make_integration):
    # PostgreSQL refuses NUL in text and jsonb; an escaped or raw NUL must not turn into a 503
    # that Alertmanager would retry forever.
    integration = make_integration(kind="generic")
    body = {"title": "Disk\u0000full", "details": {"host\u0000": "db-1\u0000"}}
    response = post_hook(integration, body)
    assert response.status_code == 202, response.content
    alert = Alert.objects.get()
    assert alert.title == "Disk\ufffdfull"
    assert alert.labels == {"host\ufffd": "db-1\ufffd"}
    raw = post_hook(integration, None, raw=b'{"title": "raw\x00nul"}')
    assert raw.status_code == 202, raw.content
    assert Alert.objects.filter(title="raw\ufffdnul").exists()


@pytest.mark.django_db
def test_maintenance_stores_alerts_and_opens_an_incident_that_pages_nobody(
    post_hook, make_integration
):
    integration = make_integration()
    integration_set_maintenance(
        integration=integration, until=clock.now() + timedelta(hours=1), actor=None
    )
    assert post_hook(integration, fixture_body(FIRING)).status_code == 202
    declared = TimelineEvent.objects.get(kind="incident.declared")
    assert declared.data["paging"] is False
    assert declared.data["origin"]["maintenance"] is True


@pytest.mark.django_db
def test_maintenance_ends_at_its_end_time(post_hook, make_integration):
    integration = make_integration()
    integration_set_maintenance(
        integration=integration, until=clock.now() + timedelta(minutes=5), actor=None
    )
    with clock.frozen_at(clock.now() + timedelta(minutes=6)):
        post_hook(integration, fixture_body(FIRING))
    assert TimelineEvent.objects.get(kind="incident.declared").data["paging"] is True


@pytest.fixture
def broker_down(settings):
    """Producers see a broker that refuses connections (a closed port), as when Redis is down."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with broker_switched_to("redis://127.0.0.1:1/0"):
            yield
    finally:
        celery_app.conf.task_always_eager = eager


@pytest.mark.django_db
def test_with_the_broker_down_deliveries_are_stored_and_the_sweep_processes_them(
    post_hook, make_integration, broker_down, caplog
):
    integration = make_integration()
    response = post_hook(integration, fixture_body(FIRING))
    assert response.status_code == 202
    assert "the sweep will process it" in caplog.text  # the task could not be queued
    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert Incident.objects.count() == 0
    # Too fresh for the sweep: a queued task may still be on its way.
    assert deliveries_sweep() == 0
    with clock.frozen_at(clock.now() + timedelta(seconds=30)):
        assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert Incident.objects.count() == 1
    assert deliveries_sweep() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_hook_answers_503_with_retry_after(client, make_integration):
    integration = make_integration()
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.post(
            f"/hooks/alertmanager/{integration.test_key}",
            data=json.dumps(fixture_body(FIRING)),
            content_type="application/json",
        )
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


# --- No input produces a 500 -------------------------------------------------------------------

# Text may hold NULs and lone surrogates; floats may be NaN or infinite (json.dumps writes them
# as NaN/Infinity, which json.loads accepts and PostgreSQL's jsonb refuses).
any_text = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "Zs", "Cc", "Cs"]), max_size=20
) | st.sampled_from(["\u0000", "a\u0000b", "\ud800", "\udfff x", "\ud83d\udd25"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
alert_like = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["firing", "resolved", "x", 1]),
        "labels": st.dictionaries(st.text(max_size=8), json_values, max_size=3) | json_values,
        "annotations": json_values,
        "fingerprint": st.text(max_size=300) | json_values,
        "startsAt": st.sampled_from(
            [
                "2026-11-22T07:30:00Z",
                "0001-01-01T00:00:00Z",
                "",
                "x",
                "9999-12-31T23:59:59Z",
                "9999-12-31T23:59:59-14:00",
                "0001-01-01T00:00:00+14:00",
                "1970-01-01T00:00:00Z",
                "2999-01-01T00:00:00+01:00",
                "2026-11-22T07:30:00",
            ]
        )
        | json_values,
        "endsAt": json_values,
        "generatorURL": json_values,
    },
)
hook_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"alerts": st.lists(alert_like, max_size=3)},
        optional={"groupKey": json_values, "commonLabels": json_values, "title": json_values},
    ),
    st.fixed_dictionaries(
        {"title": json_values},
        optional={
            "status": json_values,
            "dedup_key": json_values,
            "details": json_values,
            "links": json_values,
            "severity": json_values,
        },
    ),
)


def _deep_body(depth: int, container: str, leaf: str) -> str:
    """A body nested `depth` deep, as text (json.dumps itself would recurse)."""
    opening, closing = ("[", "]") if container == "list" else ('{"k":', "}")
    return (
        '{"title": "deep", "alerts": [], "details": '
        + opening * depth
        + leaf
        + closing * depth
        + "}"
    )


deep_bodies = st.builds(
    _deep_body,
    st.integers(min_value=1, max_value=3000),
    st.sampled_from(["list", "dict"]),
    st.sampled_from(['"a\\u0000b"', "NaN", "1e999", '"\\ud800"', "1", '"9999-12-31T23:59:59Z"']),
)
pagerduty_bodies = st.fixed_dictionaries(
    {"event_action": st.sampled_from(["trigger", "acknowledge", "resolve", "x"]) | json_values},
    optional={
        "dedup_key": json_values | st.text(max_size=300),
        "payload": st.fixed_dictionaries(
            {},
            optional={
                "summary": json_values,
                "source": json_values,
                "severity": st.sampled_from(["critical", "info", "bad"]),
                "timestamp": st.sampled_from(
                    ["9999-12-31T23:59:59-14:00", "1999-01-01T00:00:00Z", "2026-12-01T10:00:00Z"]
                )
                | json_values,
                "custom_details": json_values,
            },
        ),
        "links": json_values,
        "images": json_values,
        "client_url": json_values,
    },
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["alertmanager", "grafana", "generic"]),
    body=hook_bodies,
    raw=st.binary(max_size=64),
    deep=deep_bodies,
)
def test_no_hook_input_produces_a_server_error(
    client, make_integration, django_capture_on_commit_callbacks, kind, body, raw, deep
):
    integration = make_integration(kind=kind)
    url = f"/hooks/{kind}/{integration.test_key}"
    for data in (json.dumps(body), raw, deep):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data=data, content_type="application/json")
        assert response.status_code in {202, 400}, response.content
    # What was accepted was also processed: no delivery is left failed.
    assert not AlertDelivery.objects.filter(status=DeliveryStatus.FAILED).exists()


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=pagerduty_bodies, with_key=st.booleans())
def test_no_pagerduty_event_produces_a_server_error(
    client, make_integration, django_capture_on_commit_callbacks, body, with_key
):
    integration = make_integration(kind="pagerduty")
    if with_key:
        body = {**body, "routing_key": integration.test_key}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/v2/enqueue", data=json.dumps(body), content_type="application/json"
        )
    assert response.status_code in {202, 400, 404}, response.content
    assert not AlertDelivery.objects.filter(status=DeliveryStatus.FAILED).exists()
