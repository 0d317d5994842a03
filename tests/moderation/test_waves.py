"""Waves of reports open exactly one incident on the Trust & Safety service."""

from __future__ import annotations

import pytest

from core.services import defaults_ensure
from incidents.models import Incident
from moderation.models import CategoryRule, Item, Wave
from tests.concurrency import run_together
from tests.moderation.conftest import ingest, report


def _threshold(category: str, n: int, minutes: int = 10) -> None:
    CategoryRule.objects.filter(category=category).update(
        wave_threshold=n, wave_window_minutes=minutes
    )


def test_more_than_n_reports_about_one_user_open_one_incident_and_later_ones_attach(defaults):
    _threshold("harassment", 3)
    ingest(*[report(user_id="troll", content_id=f"c{i}", category="harassment") for i in range(3)])
    assert not Incident.objects.exists()
    ingest(report(user_id="troll", content_id="c3", category="harassment"))
    incident = Incident.objects.get()
    assert incident.services.get().slug == "trust-and-safety"
    assert "harassment" in incident.title
    assert Item.objects.filter(incident=incident).count() == 4
    ingest(report(user_id="troll", content_id="c4", category="harassment"))
    assert Incident.objects.count() == 1
    assert Item.objects.filter(incident=incident).count() == 5
    assert incident.timeline.filter(kind="moderation.items_linked").exists()


def test_reports_below_the_threshold_open_nothing(defaults):
    _threshold("spam", 5)
    ingest(*[report(user_id="u", category="spam") for _ in range(5)])
    assert not Incident.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_of_one_wave_open_exactly_one_incident():
    defaults_ensure()
    _threshold("violence", 5)
    batches = [
        [report(user_id="v", content_id=f"b{b}-{i}", category="violence") for i in range(3)]
        for b in range(4)
    ]
    errors = run_together(*[lambda batch=batch: ingest(*batch) for batch in batches])
    assert not errors, errors
    assert Incident.objects.count() == 1
    assert Wave.objects.filter(key="user:v:violence", active=True).count() == 1
    assert Item.objects.filter(incident__isnull=False).count() == 12
