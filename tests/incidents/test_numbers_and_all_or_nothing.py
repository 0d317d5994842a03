"""Incident numbers never wait on another transaction, and a declaration is all or nothing."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections, transaction

from core.errors import PermissionDeniedError, ValidationError
from incidents import services
from incidents.models import Incident, RoleAssignment, Source, TimelineEvent
from oncall.models import EscalationState
from tests.factories import ServiceFactory, UserFactory, severity


def declare(actor, **kwargs) -> Incident:
    kwargs.setdefault("title", "Checkout returns 500")
    kwargs.setdefault("severity", severity(2))
    return services.incident_create(actor=actor, source=Source.API, **kwargs)


@pytest.fixture
def declarer_only(defaults):
    """May declare incidents but not act on them (so may not name a commander)."""
    user = UserFactory(username="dora-declarer")
    user.user_permissions.add(Permission.objects.get(codename="add_incident"))
    return user


@pytest.mark.django_db
def test_a_refused_commander_leaves_no_incident_behind(declarer_only, responder):
    api = ServiceFactory(slug="api", name="API")
    with pytest.raises(PermissionDeniedError):
        declare(declarer_only, services=[api], commander=responder)
    assert not Incident.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert not RoleAssignment.objects.exists()
    assert not EscalationState.objects.exists()
    assert not api.incidents.exists()


@pytest.mark.django_db
def test_an_inactive_commander_leaves_no_incident_behind(responder):
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError):
        declare(responder, commander=gone)
    assert not Incident.objects.exists()
    assert not TimelineEvent.objects.exists()


@pytest.mark.django_db
def test_after_a_refused_declaration_numbers_stay_unique_and_increasing(declarer_only, responder):
    first = declare(responder)
    with pytest.raises(PermissionDeniedError):
        declare(declarer_only, commander=responder)
    second = declare(responder)
    # On PostgreSQL the refused declaration used up a number (a gap); on SQLite it did not.
    assert second.number > first.number
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_numbers_inserted_without_the_sequence_are_skipped(responder):
    """Seeded rows (bench/ui.py) may hold numbers the sequence has not handed out yet."""
    declare(responder)
    for number in (2, 3, 7):
        Incident.objects.create(number=number, title="Seeded", severity=severity(3))
    assert declare(responder).number == 8
    assert declare(responder).number == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_declaration_does_not_wait_for_another_declarations_transaction(responder):
    """Numbers were max(number) + 1: the second INSERT waited on the first's unique-index entry
    until it committed, so one long intake transaction stalled every declaration."""
    declared_inside, release, done = threading.Event(), threading.Event(), threading.Event()
    held: list[int] = []

    def hold_a_declaration_open() -> None:
        try:
            with transaction.atomic():
                held.append(declare(None, title="Held open").number)
                declared_inside.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()
            done.set()

    holder = threading.Thread(target=hold_a_declaration_open, daemon=True)
    holder.start()
    try:
        assert declared_inside.wait(timeout=60)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Waiting on a lock fails this transaction instead of hanging the test.
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            other = declare(responder, title="Declared meanwhile")
        assert other.number != held[0]
    finally:
        release.set()
        holder.join(timeout=60)
    assert done.is_set()
    assert sorted(Incident.objects.values_list("number", flat=True)) == sorted(
        [held[0], other.number]
    )
