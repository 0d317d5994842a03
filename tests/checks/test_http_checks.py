"""HTTP checks against a local server whose answers the test changes: status codes, JSON rules,
timeouts, N failures before alerting, M successes to recover, and claims that never let one
check be polled twice at once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from checks import probe, services, tasks
from checks.models import Check, CheckKind, CheckResult, CheckStatus, JsonRule
from core.clock import frozen_at
from incidents.models import Incident, IncidentStatus

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class HealthServer:
    """Answers GET /health with whatever the test set last; counts requests in flight."""

    def __init__(self) -> None:
        self.status, self.body, self.delay = 200, b'{"status": "healthy"}', 0.0
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                time.sleep(server.delay)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/health"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, status: int = 200, body: object = None) -> None:
        self.status = status
        self.body = json.dumps(body if body is not None else {"status": "healthy"}).encode()


@pytest.fixture
def server():
    health = HealthServer()
    yield health
    health.httpd.shutdown()
    health.httpd.server_close()


@pytest.fixture
def make_http_check(web_service, server):
    def make(**fields):
        values = {"interval": timedelta(seconds=60), "timeout": timedelta(seconds=2), **fields}
        with frozen_at(T0):
            return services.check_create(
                actor=None,
                name="api-health",
                kind=CheckKind.HTTP,
                service=web_service,
                url=server.url,
                **values,
            )

    return make


def run_due_polls(seconds: float) -> list[str]:
    """What beat and a worker do at T0 + seconds: claim due polls and run them (eager)."""
    with frozen_at(T0 + timedelta(seconds=seconds)):
        claims = services.polls_claim_due()
        return [tasks.check_poll_task(claim.check_id, str(claim.token)) for claim in claims]


def test_a_new_check_is_first_polled_within_its_first_interval_then_once_per_interval(
    make_http_check, server
):
    check = make_http_check()
    assert T0 <= check.next_poll_at < T0 + timedelta(seconds=60)
    assert len(run_due_polls(60)) == 1
    assert run_due_polls(61) == []  # its next poll is one interval after the first slot
    assert len(run_due_polls(121)) == 1
    assert server.requests == 2
    check.refresh_from_db()
    assert check.status == CheckStatus.UP


def test_n_failures_open_an_incident_and_m_successes_resolve_it(
    make_http_check, server, django_capture_on_commit_callbacks
):
    check = make_http_check(failures_to_alert=3, successes_to_recover=2)
    run_due_polls(60)
    server.answer(503, {"status": "down"})
    with django_capture_on_commit_callbacks(execute=True):
        run_due_polls(120)
        run_due_polls(180)
    check.refresh_from_db()
    assert check.status == CheckStatus.UP  # two failures of three
    assert not Incident.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_due_polls(240)
    check.refresh_from_db()
    assert check.status == CheckStatus.DOWN
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.TRIGGERED
    server.answer(200)
    with django_capture_on_commit_callbacks(execute=True):
        run_due_polls(300)
    check.refresh_from_db()
    assert check.status == CheckStatus.DOWN  # one success of two
    with django_capture_on_commit_callbacks(execute=True):
        run_due_polls(360)
    check.refresh_from_db()
    assert check.status == CheckStatus.UP
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    failure = CheckResult.objects.filter(ok=False).first()
    assert failure.status_code == 503
    assert failure.message == "HTTP 503, expected 200."


def test_a_json_field_rule_and_a_components_rule_judge_the_body(make_http_check, server):
    check = make_http_check(json_rule=JsonRule.FIELD_EQUALS, json_field="status", json_value="ok")
    server.answer(200, {"status": "degraded"})
    run_due_polls(60)
    check.refresh_from_db()
    assert check.status == CheckStatus.DOWN
    assert CheckResult.objects.get().message == "status is 'degraded', expected 'ok'."

    check.json_rule = JsonRule.COMPONENTS_HEALTHY
    body = {"components": {"db": {"status": "healthy"}, "cache": "unhealthy", "queue": "ok"}}
    assert probe.judge(check, 200, json.dumps(body).encode()) == (False, "Not healthy: cache")
    body["components"]["cache"] = "healthy"
    assert probe.judge(check, 200, json.dumps(body).encode())[0]
    assert probe.judge(check, 200, b"<html>")[1] == "The body is not JSON."
    assert probe.judge(check, 200, b"{}")[1] == 'No "components" object in the body.'


def test_a_timeout_and_a_refused_connection_are_failures_with_a_reason(make_http_check, server):
    check = make_http_check(timeout=timedelta(seconds=1))
    server.delay = 2.0
    outcome = probe.poll(check)
    assert not outcome.ok
    assert outcome.message == "No answer within 1 s."
    server.delay = 0
    check.url = "http://127.0.0.1:9/nothing-listens-here"
    outcome = probe.poll(check)
    assert not outcome.ok
    assert "ConnectError" in outcome.message


def test_a_claimed_check_is_not_claimed_again_until_its_poll_is_recorded_or_its_lease_ends(
    make_http_check,
):
    check = make_http_check(interval=timedelta(seconds=10), timeout=timedelta(seconds=5))
    with frozen_at(T0 + timedelta(seconds=10)):
        [claim] = services.polls_claim_due()
    with frozen_at(T0 + timedelta(seconds=25)):  # next slot is due, but the poll still runs
        assert services.polls_claim_due() == []
    with frozen_at(T0 + timedelta(seconds=31)):  # the lease (5 s + 15 s) has passed
        [second] = services.polls_claim_due()
    assert second.token != claim.token
    outcome = services.PollOutcome(True, 200, 5, "late answer")
    assert "superseded" in services.poll_result_record(
        check_id=check.pk, token=claim.token, outcome=outcome
    )
    assert not CheckResult.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_claiming_at_once_claim_each_check_exactly_once(web_service, server):
    from django.db import connection

    with frozen_at(T0):
        for n in range(30):
            services.check_create(
                actor=None, name=f"c{n}", kind=CheckKind.HTTP, service=web_service, url=server.url
            )
    claimed: list[int] = []
    barrier = threading.Barrier(2)

    def beat() -> None:
        barrier.wait()
        with frozen_at(T0 + timedelta(seconds=60)):
            claimed.extend(claim.check_id for claim in services.polls_claim_due())
        connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(Check.objects.values_list("pk", flat=True))
