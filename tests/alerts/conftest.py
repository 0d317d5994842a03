from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from alerts.models import AlertDelivery, DeliveryStatus
from alerts.services import integration_create
from incidents.models import Severity
from tests.factories import ServiceFactory

# Real captures (Alertmanager 0.25, the `pagerduty` 7.2.0 client), copied from the team's shared
# fixtures so the suite runs from any clone; each folder's README says how they were produced.
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HOOK_PATHS = {
    "alertmanager": "/hooks/alertmanager/{key}",
    "grafana": "/hooks/grafana/{key}",
    "generic": "/hooks/generic/{key}",
}


def fixture_body(relative: str) -> dict:
    path = FIXTURES / relative
    if not path.exists():
        pytest.fail(f"Captured fixture {path} is missing")
    return json.loads(path.read_text())


@pytest.fixture
def api_service(defaults):
    return ServiceFactory(slug="api", name="API")


@pytest.fixture
def make_integration(api_service):
    numbers = itertools.count(1)

    def make(kind: str = "alertmanager", name: str | None = None, **options):
        integration, key = integration_create(
            service=api_service,
            kind=kind,
            name=name or f"prod-{kind}-{next(numbers)}",
            actor=None,
            default_severity=Severity.objects.get(rank=3),
            **options,
        )
        integration.test_key = key
        return integration

    return make


@pytest.fixture
def post_hook(client, django_capture_on_commit_callbacks):
    """POST a JSON body to an integration's hook and run what it queued (the worker's part)."""

    def post(
        integration,
        body,
        *,
        path: str | None = None,
        content_type="application/json",
        raw: bytes | None = None,
    ):
        url = path or HOOK_PATHS[integration.kind].format(key=integration.test_key)
        data = raw if raw is not None else json.dumps(body)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data=data, content_type=content_type)

    return post


def delivery_stored(integration, signals) -> AlertDelivery:
    """A delivery as the request path leaves it (pending), with no task queued for it: tests that
    process it themselves (threads, a retry) need it untouched, and in a transactional test an
    eager task would run at once."""
    return AlertDelivery.objects.create(
        integration=integration,
        body="[]",
        headers={},
        status=DeliveryStatus.PENDING,
        signals=[signal.to_json() for signal in signals],
    )
