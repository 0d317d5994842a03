"""Intake keys in `Authorization: Bearer <key>`, as Alertmanager's http_config.authorization and
Grafana's "Authorization header" send them, so the key never sits in a URL."""

from __future__ import annotations

import json

import pytest

from alerts.models import Alert

pytestmark = pytest.mark.django_db

BODY = {"title": "Queue depth above 10k", "dedup_key": "orders-queue-depth"}


def post(client, path: str, **headers):
    return client.post(path, json.dumps(BODY), content_type="application/json", headers=headers)


@pytest.mark.parametrize("path", ["/hooks/generic", "/hooks/generic/"])
def test_a_key_in_the_authorization_header_is_accepted_without_one_in_the_url(
    client, make_integration, path, django_capture_on_commit_callbacks
):
    integration = make_integration("generic")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, path, Authorization=f"Bearer {integration.test_key}")
    assert response.status_code == 202, response.json()
    assert Alert.objects.filter(integration=integration).count() == 1


def test_no_key_anywhere_is_a_401_that_says_how_to_send_one(client, make_integration):
    make_integration("generic")
    response = post(client, "/hooks/generic")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_in_the_header_is_a_404_like_a_wrong_key_in_the_url(client, make_integration):
    make_integration("generic")
    assert post(client, "/hooks/generic", Authorization="Bearer not-the-key").status_code == 404


def test_a_key_of_another_kind_is_refused(client, make_integration):
    grafana = make_integration("grafana")
    response = post(client, "/hooks/generic", Authorization=f"Bearer {grafana.test_key}")
    assert response.status_code == 404


def test_the_key_in_the_url_still_works(client, make_integration):
    integration = make_integration("generic")
    assert post(client, f"/hooks/generic/{integration.test_key}").status_code == 202
