"""Helpers of the browser UI's tests: htmx request headers, incidents declared the usual way."""

from __future__ import annotations

from django.urls import reverse

from incidents import services
from incidents.models import Incident, Source
from tests.factories import ServiceFactory, severity

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx(target: str) -> dict[str, str]:
    """Headers of an htmx request whose answer replaces the element `target`."""
    return {**HTMX, "HTTP_HX_TARGET": target}


def declare(actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    kwargs.setdefault("severity", severity(2))
    return services.incident_create(actor=actor, source=Source.WEB, **kwargs)


def incident_url(name: str, incident: Incident | None = None, *args) -> str:
    """`incidents:<name>`, with the incident's number first when given."""
    return reverse(f"incidents:{name}", args=[incident.number, *args] if incident else args)


def make_incidents(count: int, actor) -> list[Incident]:
    payments = ServiceFactory(name="Payments", slug="payments")
    search = ServiceFactory(name="Search", slug="search")
    made = []
    for n in range(count):
        made.append(
            declare(
                actor,
                title=f"Incident {n}",
                severity=severity(n % 4 + 1),
                services=[payments, search],
                commander=actor,
            )
        )
    return made


def query_count(client, django_assert_max_num_queries, url: str, **headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(url, **headers)
    return len(captured.captured_queries)
