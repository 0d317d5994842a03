"""Timestamps from PostgreSQL parsed by psycopg's C loader instead of its pure-Python one.

Django registers its own `timestamptz` loader (to label results with its time zone), and because
that loader subclasses psycopg's Python class, every timestamp is parsed in Python, a large
share of the board's server time (150 cards, 3-4 timestamps each; docs/benchmarks.md).
psycopg's default loader (C, from `psycopg[binary]`) parses the same text in a fraction of that;
the loader here lets it parse, then labels the result exactly as Django's does.
"""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from typing import Any


def install_fast_timestamp_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver (connected in core.apps)."""
    if connection.vendor != "postgresql":
        return
    connection.connection.adapters.register_loader("timestamptz", _loader_for(connection.timezone))


@functools.cache  # one class per time zone, not one per new connection
def _loader_for(zone: tzinfo | None) -> type:
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.postgres import types

    default = psycopg.adapters.get_loader(types["timestamptz"].oid, psycopg.pq.Format.TEXT)

    class TimestamptzLoader(Loader):
        # Django's create_cursor() compares this with the connection's zone and, when they are
        # equal, keeps this loader.
        timezone = zone

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse = default(oid, context).load

        def load(self, data: Any) -> datetime:
            return self._parse(data).replace(tzinfo=zone)

    return TimestamptzLoader
