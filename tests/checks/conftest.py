from __future__ import annotations

from datetime import timedelta

import pytest

from checks import services
from checks.models import CheckKind
from tests.factories import ServiceFactory


@pytest.fixture
def web_service(defaults):
    return ServiceFactory(slug="web", name="Web")


@pytest.fixture
def make_heartbeat(web_service):
    def make(name: str = "nightly-backup", period: int = 300, grace: int = 60, **fields):
        return services.check_create(
            actor=None,
            name=name,
            kind=CheckKind.HEARTBEAT,
            service=web_service,
            period=timedelta(seconds=period),
            grace=timedelta(seconds=grace),
            **fields,
        )

    return make
