"""The cached render of the public status page.

The page, feed and JSON are rendered once and kept in Django's cache (Redis in production)
for `TTL` seconds at most, and cleared after commit whenever something they show changes: a
publication, an update, maintenance, a component, or an incident that can change a component's
state (the receiver in statuspage/receivers.py). The TTL bounds what no write announces:
maintenance starting or ending on time, and the day changing in the uptime bars."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache

TTL = 30
KEYS = ("statuspage:page", "statuspage:summary", "statuspage:atom", "statuspage:rss")


def cached(key: str, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """(body, ETag) of `key`, rendered by `render` when the cache has none."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    body = render()
    entry = (body, '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')
    cache.set(key, entry, TTL)
    return entry


def page_clear() -> None:
    cache.delete_many(list(KEYS))
