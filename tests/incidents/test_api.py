"""The incident API: lists, filters, pages, detail, edits, errors, queries, audit, schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import api_token_rotate
from core import clock
from incidents import services
from incidents.models import Incident, Role, Source, TimelineEvent
from tests.api import assert_error, client_for
from tests.factories import ServiceFactory, severity

pytestmark = pytest.mark.django_db
LIST = "/api/v1/incidents/"


def declare(actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    kwargs.setdefault("severity", severity(2))
    return services.incident_create(actor=actor, source=Source.WEB, **kwargs)


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["number"] for item in response.json()["results"]]


# --- Authentication and the error shape -----------------------------------------------------------


def test_an_anonymous_request_is_refused_with_401_and_a_token_challenge(defaults):
    response = APIClient().get(LIST)
    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused_with_401(defaults):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get(LIST), 401)


def test_a_real_token_authenticates(responder):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_rotate(responder).key}")
    assert client.get(LIST).status_code == 200


def test_someone_outside_the_groups_may_not_list_incidents(outsider):
    assert_error(client_for(outsider).get(LIST), 403)


def test_malformed_json_is_a_400_in_the_shared_shape(responder):
    response = client_for(responder).post(LIST, "{not json", content_type="application/json")
    assert_error(response, 400)


def test_a_body_that_is_not_an_object_is_a_400(responder):
    response = client_for(responder).post(LIST, [1, 2], format="json")
    assert_error(response, 400, "non_field_errors")


def test_a_form_encoded_body_is_refused_as_unsupported(responder):
    response = client_for(responder).post(LIST, {"title": "x"}, format="multipart")
    assert_error(response, 415)


# --- Declaring ------------------------------------------------------------------------------------


def test_declaring_through_the_api_takes_severity_by_name_and_services_by_slug(
    responder, other_responder
):
    ServiceFactory(slug="checkout", name="Checkout")
    response = client_for(responder).post(
        LIST,
        {
            "title": "Checkout is down",
            "severity": "sev-1",
            "summary": "500s everywhere",
            "customer_impact": "Nobody can pay",
            "services": ["checkout"],
            "commander": other_responder.username,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/incidents/{body['number']}/")
    assert body["severity"]["name"] == "SEV-1"
    assert body["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert body["commander"] == other_responder.username
    assert body["status"] == "triggered"
    incident = Incident.objects.get(number=body["number"])
    assert incident.source == Source.API
    assert incident.declared_by == responder


def test_declaring_accepts_severity_as_a_rank(responder):
    response = client_for(responder).post(LIST, {"title": "Slow", "severity": 3}, format="json")
    assert response.status_code == 201
    assert response.json()["severity"]["rank"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": 2}, "title"),
        ({"title": "x"}, "severity"),
        ({"title": "   ", "severity": 2}, "title"),
        ({"title": "x", "severity": 9}, "severity"),
        ({"title": "x", "severity": "SEV-9"}, "severity"),
        ({"title": "x", "severity": True}, "severity"),
        ({"title": "x", "severity": [1]}, "severity"),
        ({"title": "x", "severity": 2, "services": ["nope"]}, "services"),
        ({"title": "x", "severity": 2, "services": "checkout"}, "services"),
        ({"title": "x", "severity": 2, "commander": "nobody"}, "commander"),
        ({"title": "x" * 201, "severity": 2}, "title"),
        ({"title": "x", "severity": 2, "sevrity": 1}, "sevrity"),
    ],
)
def test_declaring_with_bad_input_names_the_field(responder, body, field):
    response = client_for(responder).post(LIST, body, format="json")
    assert_error(response, 400, field)
    assert not Incident.objects.exists()


def test_a_viewer_cannot_declare(viewer):
    response = client_for(viewer).post(LIST, {"title": "x", "severity": 2}, format="json")
    assert_error(response, 403)


# --- Listing, filters and pagination --------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(responder):
    for index in range(5):
        declare(responder, title=f"Incident {index}")
    client = client_for(responder)
    first = client.get(LIST, {"page_size": 2})
    assert numbers(first) == [5, 4]
    assert first.json()["count"] == 5
    assert first.json()["previous"] is None
    second = client.get(first.json()["next"])
    assert numbers(second) == [3, 2]
    last = client.get(LIST, {"page_size": 2, "page": 3})
    assert numbers(last) == [1]
    assert last.json()["next"] is None


@pytest.mark.parametrize(
    ("params", "field", "status"),
    [
        ({"page_size": "0"}, "page_size", 400),
        ({"page_size": "201"}, "page_size", 400),
        ({"page_size": "ten"}, "page_size", 400),
        ({"page_size": "-1"}, "page_size", 400),
        ({"page_size": "²"}, "page_size", 400),
        ({"page": "0"}, "page", 400),
        ({"page": "x"}, "page", 400),
        ({"page": "9" * 50}, "page", 400),
        ({"page": "99"}, None, 404),
    ],
)
def test_bad_pagination_values_are_refused(responder, params, field, status):
    declare(responder)
    assert_error(client_for(responder).get(LIST, params), status, field)


def test_the_status_filter_takes_repeated_and_comma_separated_values(responder):
    triggered = declare(responder)
    acknowledged = services.incident_acknowledge(
        incident=declare(responder), actor=responder, source=Source.API
    )
    resolved = services.incident_resolve(
        incident=declare(responder), actor=responder, source=Source.API
    )
    client = client_for(responder)
    assert numbers(client.get(LIST, {"status": "triggered"})) == [triggered.number]
    both = [resolved.number, acknowledged.number]
    assert numbers(client.get(f"{LIST}?status=acknowledged,resolved")) == both
    assert numbers(client.get(f"{LIST}?status=acknowledged&status=resolved")) == both


def test_the_open_filter_leaves_out_resolved_and_closed_incidents(responder):
    open_incident = declare(responder)
    services.incident_resolve(incident=declare(responder), actor=responder, source=Source.API)
    assert numbers(client_for(responder).get(LIST, {"open": "true"})) == [open_incident.number]
    assert len(numbers(client_for(responder).get(LIST, {"open": "false"}))) == 2


def test_the_severity_filter_takes_ranks_and_names(responder):
    sev1 = declare(responder, severity=severity(1))
    sev3 = declare(responder, severity=severity(3))
    declare(responder, severity=severity(4))
    client = client_for(responder)
    assert numbers(client.get(LIST, {"severity": "1"})) == [sev1.number]
    assert numbers(client.get(LIST, {"severity": "SEV-1,sev-3"})) == [sev3.number, sev1.number]


def test_the_service_filter_takes_slugs(responder):
    checkout = ServiceFactory(slug="checkout")
    ServiceFactory(slug="search")
    about_checkout = declare(responder, services=[checkout])
    declare(responder)
    client = client_for(responder)
    assert numbers(client.get(LIST, {"service": "checkout"})) == [about_checkout.number]
    assert numbers(client.get(LIST, {"service": "search"})) == []


def test_the_text_search_matches_title_summary_and_number(responder):
    database = declare(responder, title="Database failover", summary="replica lag")
    declare(responder, title="Checkout slow")
    client = client_for(responder)
    assert numbers(client.get(LIST, {"q": "failover"})) == [database.number]
    assert numbers(client.get(LIST, {"q": "REPLICA"})) == [database.number]
    assert numbers(client.get(LIST, {"q": f"#{database.number}"})) == [database.number]


def test_the_creation_time_filters_take_iso_8601(responder):
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        early = declare(responder)
    with clock.frozen_at(start + timedelta(days=2)):
        late = declare(responder)
    client = client_for(responder)
    assert numbers(client.get(LIST, {"created_after": "2025-03-02T00:00:00Z"})) == [late.number]
    assert numbers(client.get(LIST, {"created_before": "2025-03-02"})) == [early.number]
    window = {"created_after": "2025-03-01T12:00:00+00:00", "created_before": "2025-03-04"}
    assert numbers(client.get(LIST, window)) == [late.number, early.number]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"status": "triggered,nope"}, "status"),
        ({"severity": "9"}, "severity"),
        ({"severity": "SEV-X"}, "severity"),
        ({"severity": "99999999999999999999"}, "severity"),
        ({"service": "no-such-service"}, "service"),
        ({"service": "not a slug!"}, "service"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2025-13-45"}, "created_before"),
        ({"created_after": "2025-03-02", "created_before": "2025-03-01"}, "created_before"),
        ({"open": "maybe"}, "open"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"status": "nul\x00byte"}, "status"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(responder, params, field):
    assert_error(client_for(responder).get(LIST, params), 400, field)


def test_unknown_query_parameters_are_refused_and_empty_values_ignored(responder):
    declare(responder)
    client = client_for(responder)
    refused = client.get(LIST, {"colour": "blue"})  # issue 11: never "everything" silently
    assert refused.status_code == 400
    assert "colour" in refused.json()["errors"]
    assert "Allowed: created_after, created_before" in refused.json()["message"]
    assert numbers(client.get(f"{LIST}?q=&status=&severity=&service=&created_after=")) == [1]


def _queries_for(client: APIClient, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


def test_the_list_runs_the_same_number_of_queries_for_two_or_fifty_incidents(
    responder, other_responder
):
    commander = Role.objects.get(slug="commander")
    checkout = ServiceFactory(slug="checkout")
    client = client_for(responder)

    def add(count: int) -> None:
        for _ in range(count):
            incident = declare(responder, services=[checkout])
            services.incident_assign_role(
                incident=incident,
                role=commander,
                user=other_responder,
                actor=responder,
                source="api",
            )

    add(2)
    few = _queries_for(client, LIST, page_size=200)
    add(48)
    assert _queries_for(client, LIST, page_size=200) == few
    assert len(client.get(LIST, {"page_size": 200}).json()["results"]) == 50


# --- Detail and editing ---------------------------------------------------------------------------


def test_the_detail_shows_roles_history_timeline_updates_and_figures(responder, other_responder):
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        incident = declare(responder, severity=severity(1), commander=responder)
    with clock.frozen_at(start + timedelta(minutes=20)):
        services.incident_acknowledge(incident=incident, actor=responder, source=Source.API)
        services.incident_assign_role(
            incident=incident,
            role=Role.objects.get(slug="commander"),
            user=other_responder,
            actor=responder,
            source=Source.API,
        )
        services.incident_post_stakeholder_update(
            incident=incident, body="We are on it", actor=responder, source=Source.API
        )
    with clock.frozen_at(start + timedelta(minutes=50)):
        services.incident_resolve(incident=incident, actor=responder, source=Source.API)
        body = client_for(responder).get(f"{LIST}{incident.number}/").json()

    assert body["status"] == "resolved"
    assert body["roles"] == [
        {
            "role": {"slug": "commander", "name": "Incident Commander"},
            "kind": "primary",
            "user": other_responder.username,
            "assigned_at": "2025-03-01T12:20:00Z",
        }
    ]
    assert [(row["user"], row["ended_by"]) for row in body["role_history"]] == [
        (responder.username, responder.username),
        (other_responder.username, None),
    ]
    kinds = [event["kind"] for event in body["timeline"]]
    assert kinds[0] == "incident.declared"
    assert kinds.index("incident.acknowledged") < kinds.index("incident.resolved")
    assert body["timeline_count"] == len(kinds)
    assert body["stakeholder_updates"][0]["body"] == "We are on it"
    assert body["stakeholder_updates"][0]["status"] == "acknowledged"
    assert body["time_to_acknowledge"] == 20 * 60
    assert body["time_to_mitigate"] is None
    assert body["time_to_resolve"] == 50 * 60
    assert body["ack_deadline"] == "2025-03-01T12:15:00Z"
    assert body["ack_target_breached"] is True
    assert body["acknowledged_by"] == responder.username


@pytest.mark.parametrize("number", ["999", "0", str(2**31), str(10**30)])
def test_an_unknown_incident_number_is_a_404(responder, number):
    assert_error(client_for(responder).get(f"{LIST}{number}/"), 404)


def test_someone_outside_the_groups_sees_a_404_for_an_existing_incident(responder, outsider):
    incident = declare(responder)
    assert_error(client_for(outsider).get(f"{LIST}{incident.number}/"), 404)


def test_the_detail_runs_the_same_number_of_queries_however_long_the_history(
    responder, other_responder
):
    incident = declare(responder, services=[ServiceFactory(slug="checkout")])
    client = client_for(responder)
    url = f"{LIST}{incident.number}/"
    few = _queries_for(client, url)
    commander = Role.objects.get(slug="commander")
    for index in range(30):
        user = responder if index % 2 else other_responder
        services.incident_assign_role(
            incident=incident, role=commander, user=user, actor=responder, source="api"
        )
        services.incident_add_note(
            incident=incident, text=f"n{index}", actor=responder, source="api"
        )
        services.incident_post_stakeholder_update(
            incident=incident, body=f"u{index}", actor=responder, source="api"
        )
    assert _queries_for(client, url) == few


def test_the_detail_timeline_is_capped_at_the_latest_hundred_events(responder):
    incident = declare(responder)
    for index in range(105):
        services.incident_add_note(
            incident=incident, text=f"n{index}", actor=responder, source="api"
        )
    body = client_for(responder).get(f"{LIST}{incident.number}/").json()
    assert body["timeline_count"] == TimelineEvent.objects.filter(incident=incident).count() > 100
    assert len(body["timeline"]) == 100
    assert body["timeline"][-1]["message"] == "n104"


def test_editing_changes_only_what_is_sent_and_records_it(responder):
    ServiceFactory(slug="checkout")
    incident = declare(responder, summary="old summary")
    response = client_for(responder).patch(
        f"{LIST}{incident.number}/",
        {"title": "New title", "services": ["checkout"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "New title"
    assert body["summary"] == "old summary"
    assert [service["slug"] for service in body["services"]] == ["checkout"]
    assert ("incident.updated", "api") in [(e["kind"], e["source"]) for e in body["timeline"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "  "}, "title"),
        ({"status": "closed"}, "status"),
        ({"services": ["nope"]}, "services"),
    ],
)
def test_editing_with_bad_input_names_the_field(responder, body, field):
    incident = declare(responder)
    response = client_for(responder).patch(f"{LIST}{incident.number}/", body, format="json")
    assert_error(response, 400, field)


def test_a_viewer_cannot_edit(responder, viewer):
    incident = declare(responder)
    response = client_for(viewer).patch(f"{LIST}{incident.number}/", {"title": "x"}, format="json")
    assert_error(response, 403)


def test_a_method_an_endpoint_does_not_have_is_a_405(responder):
    incident = declare(responder)
    assert_error(client_for(responder).delete(f"{LIST}{incident.number}/"), 405)


# --- Timeline and the update draft ----------------------------------------------------------------


def test_the_timeline_pages_filters_by_kind_and_orders_either_way(responder):
    incident = declare(responder)
    for index in range(3):
        services.incident_add_note(
            incident=incident, text=f"n{index}", actor=responder, source="api"
        )
    services.incident_acknowledge(incident=incident, actor=responder, source=Source.API)
    client = client_for(responder)
    url = f"{LIST}{incident.number}/timeline/"

    everything = client.get(url).json()
    assert everything["count"] == TimelineEvent.objects.filter(incident=incident).count()
    assert everything["results"][0]["kind"] == "incident.declared"

    notes = client.get(url, {"kind": "incident.note_added", "order": "newest", "page_size": 2})
    assert [event["message"] for event in notes.json()["results"]] == ["n2", "n1"]
    assert notes.json()["count"] == 3

    several = client.get(url, {"kind": "incident.declared,incident.acknowledged"}).json()
    assert [event["kind"] for event in several["results"]] == [
        "incident.declared",
        "incident.acknowledged",
    ]
    assert_error(client.get(url, {"order": "sideways"}), 400, "order")


def test_the_timeline_runs_the_same_number_of_queries_for_few_or_many_events(responder):
    incident = declare(responder)
    client = client_for(responder)
    url = f"{LIST}{incident.number}/timeline/"
    few = _queries_for(client, url, page_size=200)
    for index in range(40):
        services.incident_add_note(
            incident=incident, text=f"n{index}", actor=responder, source="api"
        )
    assert _queries_for(client, url, page_size=200) == few


def test_the_update_draft_is_the_filled_in_communication_template(responder):
    incident = declare(responder, title="Checkout down", commander=responder)
    response = client_for(responder).get(f"{LIST}{incident.number}/updates/draft/")
    assert response.status_code == 200
    draft = response.json()["body"]
    assert draft.startswith(f"[SEV-2 High] Incident #{incident.number}: Checkout down")
    assert f"Incident commander: {responder.username}" in draft


# --- Audit log and schema -------------------------------------------------------------------------


def test_a_change_made_with_a_token_is_audited_with_the_token_user_and_address(responder):
    incident = declare(responder)
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_rotate(responder).key}")
    response = client.post(f"{LIST}{incident.number}/acknowledge/", {}, format="json")
    assert response.status_code == 200, response.json()
    entry = LogEntry.objects.get_for_object(incident).filter(action=LogEntry.Action.UPDATE).latest()
    assert "status" in entry.changes_dict
    assert entry.actor == responder
    assert entry.remote_addr == "203.0.113.7"


def test_the_openapi_document_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    assert "/api/v1/incidents/{number}/acknowledge/" in schema


def test_the_schema_and_docs_pages_are_served(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_an_error_inside_a_list_is_reported_as_plain_text(responder):
    body = assert_error(client_for(responder).get(LIST, {"status": "triggered,sleeping"}), 400)
    assert body["errors"]["status"] == ['1: "sleeping" is not a valid choice.']
    assert body["message"] == 'Invalid input. status: 1: "sleeping" is not a valid choice.'
