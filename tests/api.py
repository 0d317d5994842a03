"""Helpers for REST API tests: an authenticated client and the shared error shape."""

from __future__ import annotations

from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_error(response, status: int, field: str | None = None) -> dict:
    """`response` is the API's error shape with `status`, naming `field` when one is given."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["message"]
    if field is not None:
        assert field in body["errors"], body
    return body
