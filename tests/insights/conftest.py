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
from postmortems.models import ActionItem, ActionItemStatus, Postmortem, PostmortemStatus
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


@pytest.fixture(autouse=True)
def _figures_never_cached(settings) -> None:
    """Each test reads fresh figures (test_views.py switches the cache on where it tests it),
    in UTC whatever TIME_ZONE the run has (the tests that read in Paris say so)."""
    settings.FIREBELL_INSIGHTS_CACHE_SECONDS = 0
    settings.TIME_ZONE = "UTC"


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
    _postmortems(incidents)
    _action_items(incidents)
    return History(incidents, payments, search, rita, ron)


def _postmortems(incidents) -> None:
    published, draft = PostmortemStatus.PUBLISHED, PostmortemStatus.DRAFT
    for key, status, due_at, published_at in [
        (0, published, at(1, 20), at(2, 9)),  # due before the range
        (1, published, at(3, 10), at(2, 20)),  # week A: on time
        (2, published, at(5, 12), at(6, 9)),  # week A: late
        (3, draft, at(6, 12), None),  # week A: overdue
        (4, PostmortemStatus.IN_REVIEW, at(11, 8), None),  # week B: overdue at NOW
        (6, draft, at(13, 0), None),  # week B: not yet due at NOW
    ]:
        Postmortem.objects.create(
            incident=incidents[key], status=status, due_at=due_at, published_at=published_at
        )


def _action_items(incidents) -> None:
    done, open_ = ActionItemStatus.DONE, ActionItemStatus.OPEN
    for key, status, created_at, completed_at in [
        (1, done, at(2, 12), at(4, 10)),  # opened and done in week A
        (1, ActionItemStatus.WONT_DO, at(2, 12), at(3, 9)),  # opened in A, never done
        (2, done, at(5, 9), at(10, 9)),  # opened in A, done in B
        (4, open_, at(10, 9), None),  # opened in B
        (0, done, datetime(2026, 10, 30, 9, tzinfo=UTC), at(9, 11)),  # done in B
    ]:
        ActionItem.objects.create(
            incident=incidents[key],
            title=f"Follow-up of {key}",
            status=status,
            created_at=created_at,
            completed_at=completed_at,
        )


def two_weeks(zone=UTC, **kwargs) -> InsightFilters:
    return InsightFilters(first_day=WEEK_A, last_day=date(2026, 11, 15), zone=zone, **kwargs)
