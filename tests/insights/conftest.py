"""A small, hand-countable history for the insights tests (see the expected figures in
test_selectors.py): incidents over two weeks of November 2026 and the pages they sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.models import Incident, IncidentStatus, Service
from insights.selectors import InsightFilters
from oncall.models import Page, PagePurpose, PageStatus
from tests.factories import ServiceFactory, UserFactory, severity

UTC = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
# Week A is Monday 2 November 2026, week B Monday 9 November.
WEEK_A, WEEK_B = date(2026, 11, 2), date(2026, 11, 9)
NOW = datetime(2026, 11, 12, 18, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


@dataclass
class History:
    incidents: dict[int, Incident]
    payments: Service
    search: Service
    rita: object
    ron: object


def _incident(number, rank, created, services, ack=None, resolved=None) -> Incident:
    incident = Incident.objects.create(
        number=number,
        title=f"Incident {number}",
        severity=severity(rank),
        status=IncidentStatus.RESOLVED if resolved else IncidentStatus.TRIGGERED,
        created_at=created,
        triggered_at=created,
        acknowledged_at=created + minutes(ack) if ack is not None else None,
        resolved_at=created + minutes(resolved) if resolved is not None else None,
    )
    incident.services.set(services)
    return incident


def _page(
    incident,
    user,
    sent_at,
    *,
    level=1,
    purpose=PagePurpose.ESCALATION,
    channel="email",
    status=PageStatus.SENT,
) -> Page:
    return Page.objects.create(
        incident=incident,
        user=user,
        level=level,
        purpose=purpose,
        channel=channel,
        status=status,
        due_at=sent_at,
        sent_at=sent_at if status == PageStatus.SENT else None,
    )


@pytest.fixture
def history(defaults) -> History:
    payments = ServiceFactory(name="Payments", slug="payments")
    search = ServiceFactory(name="Search", slug="search")
    incidents = {
        0: _incident(100, 1, at(1, 12), [payments], ack=1, resolved=5),  # before the range
        1: _incident(101, 1, at(2, 10), [payments], ack=5, resolved=60),
        2: _incident(102, 1, at(3, 10), [payments, search], ack=20, resolved=120),
        3: _incident(103, 2, at(4, 10), [search], resolved=90),  # never acknowledged
        # Sunday 23:30 UTC is Monday 00:30 in Paris: week A in UTC, week B in Paris.
        6: _incident(106, 1, at(8, 23, 30), [payments], ack=40, resolved=180),
        4: _incident(104, 2, at(9, 8), [payments], ack=10, resolved=30),
        5: _incident(105, 3, at(12, 12), []),  # open, waiting
    }
    rita = UserFactory(username="rita", first_name="Rita", last_name="Rao")
    ron = UserFactory(username="ron")
    one = incidents[1]
    _page(one, rita, at(2, 10))  # Monday 10:00: working hours
    _page(one, rita, at(2, 10), channel="sms")  # the same step by SMS: still one page
    _page(incidents[2], rita, at(3, 23, 30))  # Tuesday night
    _page(incidents[2], rita, at(4, 2), purpose=PagePurpose.REMINDER)  # the same night
    _page(incidents[3], rita, at(7, 12))  # Saturday noon: out of hours, not a night
    _page(incidents[0], rita, at(1, 3))  # before the range
    _page(incidents[4], ron, at(9, 7, 30), level=2)  # Monday 07:30: out of hours
    _page(incidents[4], ron, at(9, 6, 30))  # Monday 06:30 UTC (07:30 in Paris): night of Sunday
    _page(incidents[4], ron, at(9, 8), level=3, status=PageStatus.FAILED)  # never reached him
    _page(incidents[4], ron, at(9, 8), level=4, status=PageStatus.PENDING)
    return History(incidents, payments, search, rita, ron)


def two_weeks(zone=UTC, **kwargs) -> InsightFilters:
    return InsightFilters(first_day=WEEK_A, last_day=date(2026, 11, 15), zone=zone, **kwargs)
