"""Permission before validation, on every write endpoint of the API, read from the OpenAPI
document: a caller who may not write never learns whether their input was valid.

Each POST/PUT/PATCH/DELETE is sent a body that is wrong in every field (and has an unknown one)
by an anonymous caller (401), someone in no group and a Viewer (403, or 404 where the thing is
hidden from them). A 400 would mean the body was validated first; a 2xx that they could write.
A new endpoint is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.services import api_token_rotate
from incidents import services as incident_services
from incidents.models import Role, Source
from tests.factories import ServiceFactory, severity

WRITE_METHODS = ("post", "put", "patch", "delete")
# Endpoints any signed-in person may use on their own account; only the anonymous case applies.
OWN_ACCOUNT = {"/api/v1/me/token/"}
BAD_VALUE = {"not": ["what", "any", "field", "expects"]}


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def write_operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    ]


def invalid_body(operation: dict, schemas: dict) -> dict:
    """Every field of the request body set to a value no field accepts, plus an unknown one."""
    body = {"no_such_field": BAD_VALUE}
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    reference = content.get("schema", {}).get("$ref", "")
    properties = schemas.get(reference.rsplit("/", 1)[-1], {}).get("properties", {})
    body.update(dict.fromkeys(properties, BAD_VALUE))
    return body


@pytest.fixture
def path_values(responder) -> dict[str, str]:
    """Real objects behind the path parameters, so the permission check is reached."""
    from alerts.services import integration_create

    service = ServiceFactory(slug="checkout")
    incident = incident_services.incident_create(
        actor=responder, source=Source.WEB, title="Checkout down", severity=severity(2)
    )
    integration, _key = integration_create(
        service=service, kind="generic", name="probe", actor=None, default_severity=severity(3)
    )
    return {
        "number": str(incident.number),
        "slug": service.slug,
        "id": str(integration.pk),
        "role": Role.objects.order_by("pk").first().slug,
    }


def url_for(path: str, values: dict[str, str]) -> str:
    # Parameters without a fixture (moderation ids) get 1: a 404 there is fine, never a 400.
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), "1"), path)


def send(client: APIClient, method: str, url: str, body: dict):
    return getattr(client, method)(url, body, format="json")


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_rotate(user).key}")
    return client


OPERATIONS = write_operations(SCHEMA)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method.upper()} {path}" for method, path, _ in OPERATIONS],
)
def test_a_caller_who_may_not_write_gets_401_or_403_never_400(
    method, path, operation, path_values, viewer, outsider
):
    schemas = SCHEMA["components"]["schemas"]
    url, body = url_for(path, path_values), invalid_body(operation, schemas)

    anonymous = send(APIClient(), method, url, body)
    assert anonymous.status_code == 401, (url, anonymous.content)

    if path in OWN_ACCOUNT:
        return
    for user in (outsider, viewer):
        response = send(token_client(user), method, url, body)
        assert response.status_code in {403, 404}, (user.username, url, response.content)


def test_every_write_endpoint_is_covered():
    """The schema lists the API's writes; if it listed none, the test above would check nothing."""
    assert len(OPERATIONS) >= 25
