"""The one-query permissions backend answers exactly as Django's ModelBackend does."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from core.auth import SingleQueryModelBackend
from tests.factories import UserFactory


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache carried over


def _both(user) -> tuple[set[str], set[str]]:
    return (
        ModelBackend().get_all_permissions(_fresh(user)),
        SingleQueryModelBackend().get_all_permissions(_fresh(user)),
    )


@pytest.mark.django_db
def test_group_and_direct_permissions_together(defaults):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Viewer"))
    user.user_permissions.add(Permission.objects.get(codename="add_incident"))
    django_answer, ours = _both(user)
    assert ours == django_answer
    assert {"incidents.view_incident", "incidents.add_incident"} <= ours


@pytest.mark.django_db
def test_a_permission_held_twice_is_listed_once_and_users_without_any_hold_none(defaults):
    user = UserFactory()
    assert _both(user) == (set(), set())
    user.groups.add(Group.objects.get(name="Responder"))
    user.user_permissions.add(Permission.objects.get(codename="respond_incident"))
    django_answer, ours = _both(user)
    assert ours == django_answer
    assert "incidents.respond_incident" in ours


@pytest.mark.django_db
def test_superusers_hold_every_permission_and_inactive_users_none(defaults):
    superuser = UserFactory(is_superuser=True)
    assert _both(superuser)[1] == _both(superuser)[0]
    assert len(_both(superuser)[1]) == Permission.objects.count()
    inactive = UserFactory(is_active=False)
    inactive.groups.add(Group.objects.get(name="Responder"))
    assert _both(inactive) == (set(), set())


@pytest.mark.django_db
def test_has_perm_reads_the_permissions_in_one_query(defaults, django_assert_num_queries):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Responder"))
    user = _fresh(user)
    with django_assert_num_queries(1):
        assert user.has_perm("incidents.respond_incident")
        assert user.has_perm("incidents.view_incident")
        assert not user.has_perm("incidents.delete_incident")
