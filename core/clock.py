"""The one place Firebell asks what time it is.

Services and the escalation engine take `now` from here and pass it into their queries instead
of using the database's NOW(), so tests can move time for the whole system with `frozen_at`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_frozen: list[datetime] = []


def now() -> datetime:
    return _frozen[-1] if _frozen else timezone.now()


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make `now()` return `moment` inside the block (tests and benchmarks only)."""
    _frozen.append(moment)
    try:
        yield
    finally:
        _frozen.pop()
