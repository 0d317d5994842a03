"""What the check screens show, computed in plain Python (templates only write markup)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse

from checks import selectors
from checks.models import Check, CheckKind, CheckResult


@dataclass(frozen=True)
class CheckRow:
    check: Check
    target: str  # "every 5 min (+1 min grace)" or the URL


def _seconds_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def check_target(check: Check) -> str:
    if check.kind == CheckKind.HEARTBEAT:
        return (
            f"every {_seconds_text(check.period.total_seconds())}"
            f" (+{_seconds_text(check.grace.total_seconds())} grace)"
        )
    return f"GET {check.url} every {_seconds_text(check.interval.total_seconds())}"


def check_rows(checks: list[Check]) -> list[CheckRow]:
    return [CheckRow(check, check_target(check)) for check in checks]


@dataclass
class ChartBar:
    x: int
    height: int
    ok: bool
    title: str


@dataclass
class CheckPage:
    check: Check
    can_configure: bool
    base_url: str

    @cached_property
    def target(self) -> str:
        return check_target(self.check)

    @cached_property
    def ping_url(self) -> str:
        return self.base_url + reverse("checks:ping", args=[str(self.check.uuid)])

    @cached_property
    def results(self) -> list[CheckResult]:
        return selectors.check_recent_results(check=self.check, limit=50)

    @cached_property
    def periods(self) -> list[selectors.Period]:
        return selectors.check_periods(check=self.check)

    @cached_property
    def chart(self) -> list[ChartBar]:
        """Response times of the last polls as bars of an inline SVG (oldest left), 40 px high."""
        timed = [r for r in reversed(self.results) if r.response_ms is not None]
        if not timed:
            return []
        slowest = max(r.response_ms or 0 for r in timed) or 1
        return [
            ChartBar(
                x=index * 6,
                height=max(2, round(40 * (result.response_ms or 0) / slowest)),
                ok=result.ok,
                title=f"{result.response_ms} ms",
            )
            for index, result in enumerate(timed)
        ]
