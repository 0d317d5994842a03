"""The percentile aggregate the reports need, in PostgreSQL and (for `make run`) in SQLite.

PostgreSQL computes `percentile_cont(f) WITHIN GROUP (ORDER BY x)` natively, over intervals too.
SQLite has no such aggregate, so each new SQLite connection gets one written in Python with the
same definition (linear interpolation between the two nearest ranks); it still runs inside the
database's GROUP BY, one call per row, and is meant for a laptop's data, not 100,000 incidents.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Aggregate, DurationField, Expression


class PercentileCont(Aggregate):
    """The continuous percentile `fraction` (0..1) of a duration expression, per group."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression: Expression, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A literal of our own code, never user input: safe to write into the SQL.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="%(function)s(%(expressions)s, %(fraction)s)",
            **extra_context,
        )


class _SqlitePercentile:
    """`percentile_cont(value, fraction)` for SQLite, as PostgreSQL defines it."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return percentile_cont(sorted(self.values), self.fraction)


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over already sorted values (None for none)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def register_sqlite_percentile(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("percentile_cont", 2, _SqlitePercentile)
