"""Reads of health checks, with who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from checks.models import Check, CheckFlip, CheckResult, CheckStatus
from core import clock
from core.errors import NotFoundError, PermissionDeniedError

VIEW_PERMISSION = "checks.view_check"
CONFIGURE_PERMISSION = "checks.change_check"


def user_can_view_checks(user: AbstractBaseUser) -> bool:
    return user.has_perm(VIEW_PERMISSION)


def user_can_configure_checks(user: AbstractBaseUser) -> bool:
    return user.has_perm(CONFIGURE_PERMISSION)


def check_list(*, user: AbstractBaseUser) -> QuerySet[Check]:
    if not user_can_view_checks(user):
        raise PermissionDeniedError("You do not have permission to view checks.")
    return Check.objects.select_related("service").order_by("service__name", "name")


def check_get_for_user(*, user: AbstractBaseUser, pk: int) -> Check:
    check = check_list(user=user).filter(pk=pk).first()
    if check is None:
        raise NotFoundError("No such check.")
    return check


def check_recent_results(*, check: Check, limit: int = 50) -> list[CheckResult]:
    return list(CheckResult.objects.filter(health_check=check).order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class Period:
    status: str
    started_at: datetime
    ended_at: datetime | None  # None: the current period

    @property
    def duration(self) -> timedelta:
        return (self.ended_at or clock.now()) - self.started_at


def check_periods(*, check: Check, limit: int = 50) -> list[Period]:
    """The latest periods in one state, newest first, from the check's flips."""
    flips = list(CheckFlip.objects.filter(health_check=check).order_by("-at", "-id")[:limit])
    periods: list[Period] = []
    end: datetime | None = None
    for flip in flips:
        periods.append(Period(flip.new_status, flip.at, end))
        end = flip.at
    return periods


def check_status_counts() -> dict[str, int]:
    """{status: number of checks} for every status (the list's summary and /metrics)."""
    counts = dict.fromkeys(CheckStatus.values, 0)
    for (status,) in Check.objects.values_list("status"):
        counts[status] += 1
    return counts
