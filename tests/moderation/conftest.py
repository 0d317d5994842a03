"""Moderation actors (moderators, the platform's intake account) and report builders."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.services import api_token_rotate
from moderation.defaults import INTAKE, MODERATOR
from moderation.services.intake import ReportInput, reports_ingest
from tests.factories import UserFactory

_ids = itertools.count(1)


def member_of(group_name: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def moderator(defaults):
    return member_of(MODERATOR, "mona-moderator")


@pytest.fixture
def other_moderator(defaults):
    return member_of(MODERATOR, "max-moderator")


@pytest.fixture
def platform(defaults):
    """The platform's service account, in the Moderation intake group."""
    return member_of(INTAKE, "platform-bot")


@pytest.fixture
def platform_client(platform) -> APIClient:
    """Authenticated with a real API token, as the platform would be."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_rotate(platform).key}")
    return client


def report(**overrides) -> ReportInput:
    n = next(_ids)
    fields = {
        "report_id": f"r-{n}",
        "content_type": "post",
        "content_id": f"p-{n}",
        "user_id": f"u-{n}",
        "user_display_name": f"User {n}",
        "reporter_id": f"reporter-{n}",
        "category": "spam",
        "url": f"https://platform.example/p/{n}",
        "excerpt": "Buy cheap watches!!!",
    }
    return ReportInput(**{**fields, **overrides})


def report_json(**overrides) -> dict:
    data = report(**overrides).__dict__.copy()
    data["media_urls"] = list(data["media_urls"])
    return data


def ingest(*reports: ReportInput, actor=None):
    return reports_ingest(reports=list(reports), actor=actor)


@pytest.fixture
def receiver(settings):
    """The platform's webhook: a local HTTP server that records what Firebell sends."""
    from tests.standins.http import RecordingHTTPServer

    server = RecordingHTTPServer().start()
    settings.FIREBELL_MODERATION_WEBHOOK_URL = f"{server.url}/moderation-hook"
    settings.FIREBELL_MODERATION_WEBHOOK_SECRET = "platform-shared-secret"
    yield server
    server.stop()


def open_item(**overrides):
    """An open item with one report; returns the Item."""
    from moderation.models import Item

    result = ingest(report(**overrides))
    return Item.objects.get(pk=result.accepted[0][1])
