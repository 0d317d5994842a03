"""A service and its owners are saved together: a refused owner leaves nothing half-written."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from incidents.models import Service
from setup import services
from tests.factories import ServiceFactory, UserFactory


def test_a_refused_owner_leaves_no_new_service_behind(admin_user):
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError):
        services.service_create_with_owners(actor=admin_user, owners=[gone], name="Checkout")
    assert not Service.objects.filter(name="Checkout").exists()


def test_a_refused_owner_leaves_the_service_unchanged(admin_user):
    service = ServiceFactory(name="Payments", slug="payments")
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError):
        services.service_update_with_owners(
            service=service, actor=admin_user, owners=[gone], name="Renamed"
        )
    service.refresh_from_db()
    assert service.name == "Payments"
