"""Reads about accounts."""

from __future__ import annotations

from accounts.models import ApiToken, api_token_hash


def api_token_get_by_key(key: str) -> ApiToken | None:
    """The token whose key is `key`, with its user, or None. Looked up by hash: the key itself is
    never stored. An inactive user's token is returned too; the caller decides what that means."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()
