"""The claim every beat takes before sending a periodic job (core.services.periodic_job_claim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import clock
from core.services import periodic_job_claim
from tests.concurrency import run_together

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def claim_at(moment: datetime, claimer: str) -> bool:
    with clock.frozen_at(moment):
        return periodic_job_claim("escalation-tick", every=SECOND, claimer=claimer)


def test_of_two_beats_half_a_second_apart_only_the_first_sends_each_second(db):
    sent = [
        claimer
        for offset, claimer in [(0, "a"), (0.5, "b"), (1, "a"), (1.5, "b"), (2, "a"), (2.5, "b")]
        if claim_at(T0 + offset * SECOND, claimer)
    ]
    assert sent == ["a", "a", "a"]


def test_a_beat_left_alone_sends_every_time_even_a_little_early(db):
    assert claim_at(T0, "b")
    assert claim_at(T0 + 0.9 * SECOND, "b")  # its timer woke a tenth of a second early
    assert claim_at(T0 + 1.9 * SECOND, "b")


def test_when_the_other_beat_stops_the_survivor_takes_over_within_an_interval(db):
    assert claim_at(T0, "a")
    assert not claim_at(T0 + 0.5 * SECOND, "b")
    assert claim_at(T0 + 1.5 * SECOND, "b")  # "a" is gone: no send from it at T0 + 1 s


@pytest.mark.postgres
def test_beats_claiming_the_first_run_at_the_same_moment_send_it_once(transactional_db):
    results: list[bool] = []
    errors = run_together(*[lambda n=n: results.append(claim_at(T0, str(n))) for n in range(4)])
    assert errors == []
    assert sorted(results) == [False, False, False, True]
