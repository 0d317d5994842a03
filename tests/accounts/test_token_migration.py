"""Migration 0002 turns DRF's plain-text tokens into hashes; each old key keeps working."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from accounts.models import ApiToken, api_token_hash
from tests.factories import UserFactory

BEFORE = [("accounts", "0001_initial")]
AUTHTOKEN = ("authtoken", "0004_alter_tokenproxy_options")


def migrate_to(targets) -> object:
    """Migrate to `targets`; the historical apps there (with DRF's authtoken)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([*targets, AUTHTOKEN]).apps


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_become_hashes_and_keep_working(defaults):
    user = UserFactory(username="scripted")
    latest = migrate_to(BEFORE)
    try:
        old_token = latest.get_model("authtoken", "Token")
        key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
        old_token.objects.create(user_id=user.pk, key=key)
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

    token = ApiToken.objects.get(user=user)
    assert (token.key_hash, token.key_prefix) == (api_token_hash(key), "9944b091")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "scripted"
