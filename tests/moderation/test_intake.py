"""Report intake: folding, idempotence, ordering inputs, validation and who may send."""

from __future__ import annotations

import pytest

from moderation.models import Item, Report
from tests.api import assert_error, client_for
from tests.moderation.conftest import ingest, report, report_json

URL = "/api/v1/moderation/reports/"


def test_reports_about_the_same_content_fold_into_one_item_with_every_reporter(defaults):
    ingest(report(report_id="a", content_id="p1", reporter_id="x"))
    ingest(
        report(report_id="b", content_id="p1", reporter_id="y"),
        report(report_id="c", content_id="p1", reporter_id="z"),
    )
    item = Item.objects.get(content_id="p1")
    assert item.report_count == 3
    assert set(item.reports.values_list("reporter_id", flat=True)) == {"x", "y", "z"}


def test_a_resent_report_id_and_a_second_report_by_the_same_reporter_change_nothing(defaults):
    first = ingest(report(report_id="a", content_id="p1", reporter_id="x"))
    again = ingest(report(report_id="a", content_id="p1", reporter_id="x"))
    same_reporter = ingest(report(report_id="b", content_id="p1", reporter_id="x"))
    assert len(first.accepted) == 1
    assert again.accepted == []
    assert len(again.duplicates) == 1
    assert same_reporter.accepted == []
    assert len(same_reporter.duplicates) == 1
    assert Item.objects.get(content_id="p1").report_count == 1
    assert Report.objects.count() == 1


def test_a_more_severe_report_raises_the_item_category_and_routes_it_to_urgent(defaults):
    ingest(report(content_id="p1", category="spam"))
    ingest(report(content_id="p1", category="child_safety"))
    item = Item.objects.select_related("queue").get(content_id="p1")
    assert item.category == "child_safety"
    assert item.weight == 100
    assert item.queue.slug == "urgent"


def test_the_platform_sends_a_batch_with_its_token(platform_client):
    body = {
        "reports": [
            report_json(content_id="p1"),
            report_json(content_id="p1"),
            report_json(content_id="p2"),
        ]
    }
    response = platform_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["accepted"] == 3
    assert Item.objects.count() == 2
    again = platform_client.post(URL, body, format="json")
    assert again.status_code == 200
    assert again.json()["duplicates"] == 3


def test_a_single_report_is_accepted_too(platform_client):
    response = platform_client.post(URL, report_json(), format="json")
    assert response.status_code == 201
    assert response.json()["results"][0]["status"] == "accepted"


def test_a_bad_report_in_a_batch_is_a_400_naming_its_position_and_stores_nothing(platform_client):
    body = {"reports": [report_json(), report_json(category="rude")]}
    response = platform_client.post(URL, body, format="json")
    error = assert_error(response, 400, "reports")
    assert "1" in error["errors"]["reports"][0]
    assert "category" in error["errors"]["reports"][0]
    assert Report.objects.count() == 0


@pytest.mark.parametrize("field", ["report_id", "content_id", "user_id", "reporter_id"])
def test_a_missing_field_is_named(platform_client, field):
    body = report_json()
    del body[field]
    assert_error(platform_client.post(URL, body, format="json"), 400, field)


def test_an_unknown_field_is_refused(platform_client):
    assert_error(
        platform_client.post(URL, {**report_json(), "sevrity": 1}, format="json"), 400, "sevrity"
    )


def test_more_than_500_reports_is_a_400(platform_client):
    body = {"reports": [report_json() for _ in range(501)]}
    assert_error(platform_client.post(URL, body, format="json"), 400, "reports")


def test_responders_and_viewers_cannot_send_reports(responder, viewer):
    for user in (responder, viewer):
        assert_error(client_for(user).post(URL, report_json(), format="json"), 403)
    assert Report.objects.count() == 0


def test_anonymous_intake_is_a_401(defaults):
    from rest_framework.test import APIClient

    assert APIClient().post(URL, report_json(), format="json").status_code == 401
