"""Heartbeat checks: the state machine under a frozen clock, the ping endpoint, and a missed
ping opening (and a returning ping resolving) an incident through alert intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.models import Alert, AlertStatus
from checks import services
from checks.models import Check, CheckFlip, CheckResult, CheckStatus
from core.clock import frozen_at
from core.errors import ConflictError
from incidents.models import Incident, IncidentStatus

pytestmark = pytest.mark.django_db(transaction=False)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(seconds: float):
    return frozen_at(T0 + timedelta(seconds=seconds))


def ping(client, check, suffix: str = "", method: str = "get", **kwargs):
    return getattr(client, method)(f"/ping/{check.uuid}{suffix}", **kwargs)


def status_of(check: Check) -> str:
    check.refresh_from_db()
    return check.status


def test_a_new_check_becomes_up_on_its_first_ping_late_after_its_period_and_down_after_grace(
    make_heartbeat, client, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat(period=300, grace=60)
    assert check.status == CheckStatus.NEW
    with at(10):
        assert ping(client, check).status_code == 200
    assert status_of(check) == CheckStatus.UP
    with at(309):
        assert services.heartbeats_sweep() == 0
    assert status_of(check) == CheckStatus.UP
    with at(311):
        assert services.heartbeats_sweep() == 1
    assert status_of(check) == CheckStatus.LATE
    assert not Incident.objects.exists()  # late is a warning, not an alert
    with at(369), django_capture_on_commit_callbacks(execute=True):
        assert services.heartbeats_sweep() == 0
    with at(371), django_capture_on_commit_callbacks(execute=True):
        assert services.heartbeats_sweep() == 1
    assert status_of(check) == CheckStatus.DOWN
    assert [f.new_status for f in CheckFlip.objects.order_by("at", "id")] == ["up", "late", "down"]


def test_a_missed_ping_opens_an_incident_on_the_service_and_the_next_ping_resolves_it(
    make_heartbeat, client, web_service, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat(period=60, grace=30)
        ping(client, check)
    with at(100), django_capture_on_commit_callbacks(execute=True):
        services.heartbeats_sweep()
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    assert list(incident.services.all()) == [web_service]
    assert incident.title == "Check nightly-backup is down"
    # The sweep running again (a second beat) neither re-opens nor duplicates anything.
    with at(101), django_capture_on_commit_callbacks(execute=True):
        assert services.heartbeats_sweep() == 0
    assert Incident.objects.count() == 1
    with at(200), django_capture_on_commit_callbacks(execute=True):
        assert ping(client, check).status_code == 200
    assert status_of(check) == CheckStatus.UP
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert Alert.objects.get().status == AlertStatus.RESOLVED


def test_a_down_check_that_goes_down_again_later_opens_a_new_incident(
    make_heartbeat, client, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat(period=60, grace=0)
        ping(client, check)
    for start in (0, 1000):
        with at(start + 61), django_capture_on_commit_callbacks(execute=True):
            services.heartbeats_sweep()
        with at(start + 500), django_capture_on_commit_callbacks(execute=True):
            ping(client, check)
        with at(start + 1000):
            ping(client, check)
    assert Incident.objects.count() == 2
    assert not Incident.objects.filter(status=IncidentStatus.TRIGGERED).exists()


def test_fail_makes_the_check_down_at_once_and_start_only_records_the_start(
    make_heartbeat, client, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat()
        ping(client, check)
    with at(5):
        assert ping(client, check, "/start", method="post").status_code == 200
    check.refresh_from_db()
    assert check.status == CheckStatus.UP
    assert check.last_start_at == T0 + timedelta(seconds=5)
    with at(9), django_capture_on_commit_callbacks(execute=True):
        response = ping(
            client, check, "/fail", method="post", data=b"disk full", content_type="text/plain"
        )
    assert response.status_code == 200
    assert status_of(check) == CheckStatus.DOWN
    assert Incident.objects.count() == 1
    fail = CheckResult.objects.get(kind="fail")
    assert fail.message == "disk full"
    assert not fail.ok


def test_a_paused_check_is_never_swept_and_a_ping_resumes_it(
    make_heartbeat, client, admin_user, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat(period=60, grace=0)
        ping(client, check)
        services.check_pause(check=check, actor=admin_user)
    with at(10_000):
        assert services.heartbeats_sweep() == 0
    assert status_of(check) == CheckStatus.PAUSED
    with at(10_001):
        ping(client, check)
    assert status_of(check) == CheckStatus.UP


def test_pausing_a_down_check_resolves_its_incident(
    make_heartbeat, client, admin_user, django_capture_on_commit_callbacks
):
    with at(0):
        check = make_heartbeat(period=60, grace=0)
        ping(client, check)
    with at(61), django_capture_on_commit_callbacks(execute=True):
        services.heartbeats_sweep()
    with at(62), django_capture_on_commit_callbacks(execute=True):
        services.check_pause(check=check, actor=admin_user)
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


def test_resume_is_refused_for_a_check_that_is_not_paused(make_heartbeat, admin_user):
    check = make_heartbeat()
    with pytest.raises(ConflictError):
        services.check_resume(check=check, actor=admin_user)


def test_the_ping_endpoint_needs_no_session_or_csrf_token_and_answers_404_for_unknown_uuids(
    make_heartbeat, defaults
):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    check = make_heartbeat()
    assert strict.post(f"/ping/{check.uuid}").status_code == 200
    assert strict.post(f"/ping/{check.uuid}/").status_code == 200
    assert strict.head(f"/ping/{check.uuid}").status_code == 200
    unknown = strict.get("/ping/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert b"no check" in unknown.content
    assert strict.put(f"/ping/{check.uuid}").status_code == 405
    assert strict.get("/ping/not-a-uuid").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_make_one_transition_and_one_incident(make_heartbeat, client):
    import threading

    from django.db import connection

    with at(0):
        checks = [make_heartbeat(name=f"job-{n}", period=60, grace=0) for n in range(20)]
        for check in checks:
            ping(client, check)
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        with at(61):
            counts.append(services.heartbeats_sweep())
        connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 20
    assert CheckFlip.objects.filter(new_status="down").count() == 20
    assert Incident.objects.count() == 20


def test_a_dead_mans_switch_pinged_by_alertmanager_goes_down_when_its_watchdog_resolves(
    make_heartbeat, client, django_capture_on_commit_callbacks
):
    """Alertmanager's webhook pointed at the ping URL: every (firing) Watchdog notification is a
    ping; a resolved one means the pipeline stopped evaluating it — the check fails at once."""
    from pathlib import Path

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"
    firing = (fixtures / "01-diskspacelow-firing.json").read_bytes()
    resolved = (fixtures / "06-diskspacelow-resolved.json").read_bytes()
    with at(0):
        check = make_heartbeat(name="watchdog", period=60, grace=60)
        response = ping(client, check, method="post", data=firing, content_type="application/json")
    assert response.status_code == 200
    assert status_of(check) == CheckStatus.UP
    with at(30), django_capture_on_commit_callbacks(execute=True):
        ping(client, check, method="post", data=resolved, content_type="application/json")
    assert status_of(check) == CheckStatus.DOWN
    assert Incident.objects.get().title == "Check watchdog is down"
    with at(40), django_capture_on_commit_callbacks(execute=True):
        ping(client, check, method="post", data=firing, content_type="application/json")
    assert status_of(check) == CheckStatus.UP
