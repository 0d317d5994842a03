"""Timestamps read from PostgreSQL through core.postgres's loader: the same values Django's own
loader gives, labelled with the same time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from incidents import services
from incidents.models import Incident, Source
from tests.factories import severity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CASES = {
    "2026-11-30 04:41:31.189685+00": datetime(2026, 11, 30, 4, 41, 31, 189685, tzinfo=UTC),
    "2026-03-29 01:30:00+01": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    "2026-07-01 23:59:59.000001-09:30": datetime(2026, 7, 2, 9, 29, 59, 1, tzinfo=UTC),
    "1999-12-31 23:59:59+14": datetime(1999, 12, 31, 9, 59, 59, tzinfo=UTC),
}


def test_timestamps_keep_their_moment_and_come_back_in_djangos_time_zone():
    with connection.cursor() as cursor:
        for text, expected in CASES.items():
            cursor.execute("SELECT %s::timestamptz", [text])
            (value,) = cursor.fetchone()
            assert value == expected, text
            assert value.tzinfo is connection.timezone
            assert value.utcoffset() == timedelta(0)


def test_the_loader_in_use_is_ours_and_parses_in_c():
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader.__module__ == "core.postgres"
    assert loader.timezone is connection.timezone
    parser = loader(1184, connection.connection)._parse.__self__
    assert type(parser).__module__.startswith(("psycopg_binary", "psycopg_c"))


def test_model_fields_read_back_what_was_written(responder):
    incident = services.incident_create(
        title="Timestamps", severity=severity(2), actor=responder, source=Source.WEB
    )
    moment = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=moment)
    assert Incident.objects.get(pk=incident.pk).acknowledged_at == moment
