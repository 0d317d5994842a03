from __future__ import annotations

import pytest
from django.core.cache import cache

from incidents import services as incident_services
from incidents.models import Severity, Source
from statuspage.models import Component, ComponentGroup
from tests.factories import ServiceFactory


@pytest.fixture(autouse=True)
def empty_page_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_service(defaults):
    return ServiceFactory(slug="api", name="API")


@pytest.fixture
def api_component(api_service):
    group = ComponentGroup.objects.create(name="Core")
    component = Component.objects.create(name="Public API", group=group)
    component.services.add(api_service)
    return component


@pytest.fixture
def declare(api_service):
    def declare(title: str = "db primary OOM-killed on pg-07", rank: int = 2, **kwargs):
        return incident_services.incident_create(
            title=title,
            severity=Severity.objects.get(rank=rank),
            actor=None,
            source=Source.WEB,
            services=[api_service],
            **kwargs,
        )

    return declare
