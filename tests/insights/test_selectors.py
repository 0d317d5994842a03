"""The figures of /insights/ against values counted by hand from the fixture (conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.models import Incident, IncidentStatus, ack_target_breached
from insights import selectors
from insights.aggregates import percentile_cont
from insights.selectors import (
    PersonLoad,
    WeekActionItems,
    WeekIncidents,
    WeekPostmortems,
    WeekResponse,
)
from postmortems.models import Postmortem, PostmortemStatus, is_overdue, is_overdue_condition
from tests.factories import severity
from tests.insights.conftest import NOW, PARIS, WEEK_A, WEEK_B, at, minutes, two_weeks

pytestmark = pytest.mark.django_db


def counts(rows):
    return [(row.week, row.severity_name, row.incidents) for row in rows]


def test_incidents_per_week_by_severity(history):
    assert counts(selectors.incidents_per_week(two_weeks(), now=NOW)) == [
        (WEEK_A, "SEV-1", 3),
        (WEEK_A, "SEV-2", 1),
        (WEEK_B, "SEV-2", 1),
        (WEEK_B, "SEV-3", 1),
    ]


def test_weeks_and_days_are_the_viewers(history):
    # In Paris, #106 (Sunday 23:30 UTC) was declared on Monday of week B.
    assert counts(selectors.incidents_per_week(two_weeks(PARIS), now=NOW)) == [
        (WEEK_A, "SEV-1", 2),
        (WEEK_A, "SEV-2", 1),
        (WEEK_B, "SEV-1", 1),
        (WEEK_B, "SEV-2", 1),
        (WEEK_B, "SEV-3", 1),
    ]


def test_severity_and_service_filters(history):
    assert counts(selectors.incidents_per_week(two_weeks(severity_ranks=(2, 3)), now=NOW)) == [
        (WEEK_A, "SEV-2", 1),
        (WEEK_B, "SEV-2", 1),
        (WEEK_B, "SEV-3", 1),
    ]
    # #102 has both services: counted once.
    both = two_weeks(service_slugs=("search", "payments"))
    assert counts(selectors.incidents_per_week(both, now=NOW)) == [
        (WEEK_A, "SEV-1", 3),
        (WEEK_A, "SEV-2", 1),
        (WEEK_B, "SEV-2", 1),
    ]


def test_times_to_acknowledge_and_resolve_by_severity_median_and_p90(history):
    # Week A SEV-1 took 5, 20 and 40 minutes to acknowledge: median 20, p90 = 20 + 0.8 * 20 =
    # 36; and 60, 120, 180 to resolve: median 120, p90 168. #103 was never acknowledged (not
    # measured for it) but resolved after 90. #105 is open: measured for neither.
    assert selectors.response_times(two_weeks(), by="severity") == [
        WeekResponse(WEEK_A, "SEV-1", 3, minutes(20), minutes(36), 3, minutes(120), minutes(168)),
        WeekResponse(WEEK_A, "SEV-2", 0, None, None, 1, minutes(90), minutes(90)),
        WeekResponse(WEEK_B, "SEV-2", 1, minutes(10), minutes(10), 1, minutes(30), minutes(30)),
        WeekResponse(WEEK_B, "SEV-3", 0, None, None, 0, None, None),
    ]


def test_times_by_service(history):
    assert selectors.response_times(two_weeks(), by="service") == [
        WeekResponse(
            WEEK_A, "Payments", 3, minutes(20), minutes(36), 3, minutes(120), minutes(168)
        ),
        WeekResponse(WEEK_A, "Search", 1, minutes(20), minutes(20), 2, minutes(105), minutes(117)),
        WeekResponse(WEEK_B, "Payments", 1, minutes(10), minutes(10), 1, minutes(30), minutes(30)),
    ]
    # Filtered to Search: #102 is shown under Search only.
    filtered = two_weeks(service_slugs=("search",))
    assert selectors.response_times(filtered, by="service") == [
        WeekResponse(WEEK_A, "Search", 1, minutes(20), minutes(20), 2, minutes(105), minutes(117)),
    ]


def test_acknowledge_target_breaches_per_week(history):
    # SEV-1 targets 15 min: #102 (20) and #106 (40) late. SEV-2 60 min: #103 resolved after 90
    # without an acknowledgement. SEV-3 240 min: #105 waiting since 12:00, at 18:00 is late.
    assert selectors.incidents_per_week(two_weeks(), now=NOW) == [
        WeekIncidents(WEEK_A, 1, "SEV-1", 3, 2),
        WeekIncidents(WEEK_A, 2, "SEV-2", 1, 1),
        WeekIncidents(WEEK_B, 2, "SEV-2", 1, 0),
        WeekIncidents(WEEK_B, 3, "SEV-3", 1, 1),
    ]
    earlier = at(12, 15)  # #105 has waited 3 hours of its 4
    assert selectors.incidents_per_week(two_weeks(severity_ranks=(3,)), now=earlier) == [
        WeekIncidents(WEEK_B, 3, "SEV-3", 1, 0),
    ]


@pytest.mark.parametrize(
    ("acknowledged", "resolved", "now", "breached"),
    [  # the table of tests/incidents/test_pages.py::test_the_acknowledge_target_rule
        (None, None, 14, False),
        (None, None, 16, True),
        (10, None, 60, False),
        (20, None, 60, True),
        (None, 10, 600, False),
        (None, 30, 600, True),
    ],
)
def test_the_database_form_of_the_acknowledge_rule_agrees_with_the_rule(
    defaults, acknowledged, resolved, now, breached
):
    from incidents.models import ack_target_breached_expression

    start = at(2, 10)

    def moment(offset):
        return None if offset is None else start + minutes(offset)

    incident = Incident.objects.create(
        number=1,
        title="Rule",
        severity=severity(1),  # 15 minutes
        status=IncidentStatus.RESOLVED if resolved else IncidentStatus.TRIGGERED,
        triggered_at=start,
        acknowledged_at=moment(acknowledged),
        resolved_at=moment(resolved),
    )
    in_python = ack_target_breached(
        triggered_at=start,
        acknowledged_at=moment(acknowledged),
        resolved_at=moment(resolved),
        ack_target=timedelta(minutes=15),
        now=moment(now),
    )
    in_database = (
        Incident.objects.annotate(late=ack_target_breached_expression(now=moment(now)))
        .values_list("late", flat=True)
        .get(pk=incident.pk)
    )
    assert in_python is breached
    assert in_database is breached


def test_oncall_load_in_utc(history):
    # Rita: #101 (e-mail and SMS of one step: 1), #102's page and its reminder (Tuesday night),
    # #103 on Saturday: 4 pages, 3 out of hours, 1 night. Ron: 06:30 and 07:30 on Monday: both
    # out of hours, the first in the night of Sunday. Failed and pending pages never reached him.
    assert selectors.oncall_load(two_weeks()) == [
        PersonLoad(history.rita.pk, "Rita Rao", 4, 3, 1),
        PersonLoad(history.ron.pk, "ron", 2, 2, 1),
    ]


def test_oncall_load_in_paris(history):
    # 06:30 UTC is 07:30 in Paris: the night was over for Ron.
    assert selectors.oncall_load(two_weeks(PARIS)) == [
        PersonLoad(history.rita.pk, "Rita Rao", 4, 3, 1),
        PersonLoad(history.ron.pk, "ron", 2, 2, 0),
    ]


def test_oncall_load_follows_the_incident_filters(history):
    assert selectors.oncall_load(two_weeks(severity_ranks=(1,))) == [
        PersonLoad(history.rita.pk, "Rita Rao", 3, 2, 1),
    ]
    assert selectors.oncall_load(two_weeks(service_slugs=("search",))) == [
        PersonLoad(history.rita.pk, "Rita Rao", 3, 3, 1),
    ]


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([5.0, 20.0, 40.0], 0.9) == pytest.approx(36.0)
    assert percentile_cont([10.0], 0.5) == 10.0
    assert percentile_cont([], 0.5) is None


def test_filters_list_every_week_the_range_touches():
    filters = two_weeks()
    assert filters.weeks() == [WEEK_A, WEEK_B]
    assert filters.end_at - filters.start_at == timedelta(days=14)


def test_postmortems_on_time_late_and_overdue_by_week_due(history):
    assert selectors.postmortems_per_week(two_weeks(), now=NOW) == [
        WeekPostmortems(WEEK_A, on_time=1, late=1, overdue=1, not_yet_due=0),
        WeekPostmortems(WEEK_B, on_time=0, late=0, overdue=1, not_yet_due=1),
    ]
    assert selectors.postmortems_per_week(two_weeks(severity_ranks=(1,)), now=NOW) == [
        WeekPostmortems(WEEK_A, on_time=1, late=1, overdue=0, not_yet_due=0),
        WeekPostmortems(WEEK_B, on_time=0, late=0, overdue=0, not_yet_due=1),
    ]


def test_action_items_opened_and_done_by_week(history):
    assert selectors.action_items_per_week(two_weeks()) == [
        WeekActionItems(WEEK_A, opened=3, done=1),
        WeekActionItems(WEEK_B, opened=1, done=2),
    ]
    assert selectors.action_items_per_week(two_weeks(service_slugs=("search",))) == [
        WeekActionItems(WEEK_A, opened=1, done=0),
        WeekActionItems(WEEK_B, opened=0, done=1),
    ]


@pytest.mark.parametrize(
    ("status", "due_in_minutes", "overdue"),
    [
        (PostmortemStatus.DRAFT, None, False),  # not due yet: the incident is not resolved
        (PostmortemStatus.DRAFT, -1, True),
        (PostmortemStatus.DRAFT, 0, True),  # due now
        (PostmortemStatus.DRAFT, 1, False),
        (PostmortemStatus.IN_REVIEW, -1, True),
        (PostmortemStatus.PUBLISHED, -1, False),
    ],
)
def test_the_database_form_of_the_overdue_rule_agrees_with_the_rule(
    history, status, due_in_minutes, overdue
):
    due_at = None if due_in_minutes is None else NOW + minutes(due_in_minutes)
    Postmortem.objects.all().delete()
    postmortem = Postmortem.objects.create(
        incident=history.incidents[1], status=status, due_at=due_at
    )
    assert is_overdue(status=status, due_at=due_at, now=NOW) is overdue
    in_database = Postmortem.objects.filter(is_overdue_condition(now=NOW), pk=postmortem.pk)
    assert in_database.exists() is overdue
