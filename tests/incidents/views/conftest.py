import pytest

from incidents.models import Incident
from tests.factories import ServiceFactory
from tests.ui import declare


@pytest.fixture
def incident(responder) -> Incident:
    return declare(responder, services=[ServiceFactory(name="Payments", slug="payments")])
