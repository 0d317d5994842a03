from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from incidents.models import Role, Severity


def run_setup() -> str:
    out = io.StringIO()
    call_command("firebell_setup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_firebell_setup_creates_defaults_and_an_admin_whose_password_it_prints_once() -> None:
    first = run_setup()

    password = re.search(r"password: (\S+)", first)
    assert password is not None, first
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(password.group(1))
    assert admin.groups.filter(name="Admin").exists()
    assert set(Severity.objects.values_list("name", flat=True)) >= {"SEV-1", "SEV-4"}
    assert set(Role.objects.values_list("slug", flat=True)) >= {"commander", "scribe"}
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Admin",
        "Responder",
        "Viewer",
    }


@pytest.mark.django_db
def test_firebell_setup_run_again_changes_nothing_and_prints_no_password() -> None:
    run_setup()
    counts = (Severity.objects.count(), Role.objects.count(), get_user_model().objects.count())

    second = run_setup()

    assert "password:" not in second
    assert "Admin account exists already" in second
    assert (
        Severity.objects.count(),
        Role.objects.count(),
        get_user_model().objects.count(),
    ) == counts


@pytest.mark.django_db
def test_firebell_setup_creates_no_admin_when_a_superuser_exists_under_another_name() -> None:
    get_user_model().objects.create_superuser(username="root", email="", password="x" * 20)

    output = run_setup()

    assert "password:" not in output
    assert not get_user_model().objects.filter(username="admin").exists()
