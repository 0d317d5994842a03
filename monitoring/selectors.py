"""What a self-test's page shows: each hop with its time since the start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser

from core.errors import NotFoundError, PermissionDeniedError
from monitoring.models import SelfTest
from oncall.models import Page

VIEW_PERMISSION = "monitoring.view_selftest"


@dataclass(frozen=True)
class Hop:
    name: str
    at: datetime | None  # None: not reached (yet)
    after: timedelta | None  # since the previous hop reached
    detail: str = ""


def user_can_run_selftests(user: AbstractBaseUser) -> bool:
    return user.has_perm("monitoring.add_selftest")


def selftest_list(*, user: AbstractBaseUser) -> list[SelfTest]:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDeniedError("Only admins see self-tests.")
    return list(SelfTest.objects.select_related("incident", "target")[:20])


def selftest_get_for_user(*, user: AbstractBaseUser, pk: int) -> SelfTest:
    if not user.has_perm(VIEW_PERMISSION):
        raise PermissionDeniedError("Only admins see self-tests.")
    selftest = SelfTest.objects.select_related("incident", "target").filter(pk=pk).first()
    if selftest is None:
        raise NotFoundError("No such self-test.")
    return selftest


def selftest_hops(selftest: SelfTest) -> list[Hop]:
    """Declared → page created → queued → delivered (per channel) → acknowledged."""
    incident = selftest.incident
    pages = list(Page.objects.filter(incident=incident).order_by("created_at", "pk"))
    hops: list[tuple[str, datetime | None, str]] = [
        ("Incident declared", incident.created_at, f"#{incident.number}")
    ]
    first = pages[0] if pages else None
    hops.append(("Pages created", first.created_at if first else None, f"{len(pages)} page(s)"))
    queued = [p.enqueued_at for p in pages if p.enqueued_at]
    hops.append(("Queued for a worker", min(queued) if queued else None, ""))
    for page in pages:
        detail = page.address or page.channel
        if page.status == "failed":
            detail = f"failed: {page.last_error[:200]}"
        hops.append((f"Delivered by {page.channel}", page.sent_at, detail))
    hops.append(("Acknowledged", incident.acknowledged_at, ""))
    result: list[Hop] = []
    previous = selftest.started_at
    for name, at, detail in hops:
        after = at - previous if at and previous else None
        result.append(Hop(name, at, after, detail))
        previous = at or previous
    return result
