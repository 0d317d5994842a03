"""Input that can never succeed is answered 400 once and for all, and nothing stored poisons
later deliveries or pages (issue 12): each test is the regression test of one defect."""

from __future__ import annotations

import contextlib
import importlib
import json
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Alert, AlertDelivery, DeliveryStatus
from integrations.intake import MAX_NESTING
from tests.alerts.conftest import fixture_body
from tests.alerts.test_intake_errors import deep_bodies, hook_bodies
from tests.factories import UserFactory

FIRING = "alertmanager/01-diskspacelow-firing.json"


@pytest.fixture
def superuser_client(client, defaults):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def nested(depth: int, leaf: object) -> object:
    """`leaf` inside `depth` lists (built without recursion)."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_a_non_finite_number_is_a_400_naming_it(post_hook, make_integration, literal):
    integration = make_integration(kind="generic")
    raw = f'{{"title": "Disk full", "details": {{"ratio": {literal}}}}}'.encode()
    response = post_hook(integration, None, raw=raw)
    assert response.status_code == 400, response.content
    body = response.json()
    assert literal in body["message"]
    assert "finite" in body["errors"]["body"][0]
    assert not AlertDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "details.host"])
def test_a_lone_surrogate_is_a_400_naming_the_field(post_hook, make_integration, field):
    integration = make_integration(kind="generic")
    body = {"title": "Disk full", "details": {"host": "db-1"}}
    if field == "title":
        body["title"] = "Disk \ud800 full"
    else:
        body["details"]["host"] = "db-\udc00"
    response = post_hook(integration, None, raw=json.dumps(body).encode())  # escaped as \udXXX
    assert response.status_code == 400, response.content
    assert "surrogate" in response.json()["errors"][field][0]
    assert not AlertDelivery.objects.exists()


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_key_names_the_key(post_hook, make_integration):
    integration = make_integration()
    body = fixture_body(FIRING)
    body["alerts"][0]["labels"]["\udbff"] = "x"
    response = post_hook(integration, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["alerts[0].labels.\udbff"]


@pytest.mark.django_db
def test_an_escaped_surrogate_pair_is_an_ordinary_character(post_hook, make_integration):
    integration = make_integration(kind="generic")
    response = post_hook(integration, None, raw=b'{"title": "On fire \\ud83d\\udd25"}')
    assert response.status_code == 202, response.content
    assert Alert.objects.get().title == "On fire \U0001f525"


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [MAX_NESTING + 5, 900, 5000, 100_000])
def test_deep_nesting_with_nul_is_a_400_not_a_500(post_hook, make_integration, depth):
    """Nested ~900 deep with a \\u0000 inside, the recursive NUL scrub answered 500."""
    integration = make_integration(kind="generic")
    tree = "[" * depth + '"a\\u0000b"' + "]" * depth  # json.dumps itself recurses
    raw = f'{{"title": "Deep", "details": {{"tree": {tree}}}}}'
    response = post_hook(integration, None, raw=raw.encode())
    assert response.status_code == 400, response.content[:300]
    message = response.json()["message"]
    assert "nested" in message or "not valid JSON" in message


@pytest.mark.django_db
def test_nesting_within_the_limit_is_stored_with_nul_replaced(post_hook, make_integration):
    integration = make_integration(kind="generic")
    tree = nested(MAX_NESTING - 3, {"k\u0000": "a\u0000b"})
    response = post_hook(integration, {"title": "Deep\u0000", "details": {"tree": tree}})
    assert response.status_code == 202, response.content
    alert = Alert.objects.get()
    assert alert.title == "Deep\ufffd"
    leaf = alert.raw["details"]["tree"]
    while isinstance(leaf, list):
        leaf = leaf[0]
    assert leaf == {"k\ufffd": "a\ufffdb"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "starts_at",
    [
        "9999-12-31T23:59:59-14:00",  # stored as year 10000: the alert could never load again
        "9999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
    ],
)
def test_an_implausible_start_time_is_clamped_to_receipt_and_kept_raw(
    post_hook, make_integration, starts_at
):
    integration = make_integration()
    body = fixture_body(FIRING)
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["startsAt"] = starts_at
    assert post_hook(integration, body).status_code == 202
    delivery = AlertDelivery.objects.get()
    alert = Alert.objects.get()
    assert alert.starts_at == delivery.received_at
    assert alert.raw["startsAt"] == starts_at  # the original, as sent
    # The next delivery of the same alert is processed (it failed 5 of 5 attempts before).
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "9999-12-31T23:59:59-14:00"
    assert post_hook(integration, body).status_code == 202
    assert not AlertDelivery.objects.exclude(status=DeliveryStatus.PROCESSED).exists()
    alert.refresh_from_db()
    assert alert.status == "resolved"
    assert alert.ends_at == AlertDelivery.objects.latest("id").received_at


@pytest.mark.django_db
def test_a_start_time_a_little_ahead_is_kept(post_hook, make_integration):
    """Clocks drift: up to a day ahead is believed."""
    integration = make_integration()
    body = fixture_body(FIRING)
    body["alerts"] = body["alerts"][:1]
    ahead = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    body["alerts"][0]["startsAt"] = ahead.isoformat()
    assert post_hook(integration, body).status_code == 202
    assert Alert.objects.get().starts_at == ahead


@pytest.mark.django_db
def test_a_pagerduty_timestamp_far_ahead_is_clamped(
    client, make_integration, django_capture_on_commit_callbacks
):
    integration = make_integration(kind="pagerduty")
    event = {
        "routing_key": integration.test_key,
        "event_action": "trigger",
        "payload": {
            "summary": "Checkout slow",
            "source": "web-1",
            "severity": "error",
            "timestamp": "9999-12-31T23:59:59-14:00",
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/v2/enqueue", data=json.dumps(event), content_type="application/json"
        )
    assert response.status_code == 202
    assert Alert.objects.get().starts_at == AlertDelivery.objects.get().received_at


@pytest.mark.postgres
@pytest.mark.django_db
def test_alerts_stored_before_the_clamp_are_repaired_and_their_admin_page_answers(
    post_hook, make_integration, superuser_client
):
    """A row already holding year 10000 (stored before the clamp) made its admin page 500."""
    repair = importlib.import_module("alerts.migrations.0002_alert_times_sane")
    integration = make_integration()
    assert post_hook(integration, fixture_body(FIRING)).status_code == 202
    poisoned = Alert.objects.first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerts_alert SET starts_at = '10000-01-01 13:59:59+00',"
            " ends_at = '0500-01-01 00:00:00+00' WHERE id = %s",
            [poisoned.pk],
        )
    repair.clamp(django_apps, None)
    poisoned = Alert.objects.get(pk=poisoned.pk)
    assert poisoned.starts_at == poisoned.first_seen_at
    assert poisoned.ends_at == poisoned.last_seen_at
    page = superuser_client.get(f"/admin/alerts/alert/{poisoned.pk}/change/")
    assert page.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_admin_pages_of_stored_alerts_and_deliveries_answer(
    post_hook, make_integration, superuser_client
):
    integration = make_integration(kind="generic")
    deep = {"title": "Deep", "details": {"tree": nested(MAX_NESTING - 3, "x\u0000")}}
    assert post_hook(integration, deep).status_code == 202
    assert post_hook(integration, None, raw=b'{"title": "Bad \\ud800"}').status_code == 400
    for alert in Alert.objects.all():
        assert superuser_client.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 200
    for delivery in AlertDelivery.objects.all():
        page = superuser_client.get(f"/admin/alerts/alertdelivery/{delivery.pk}/change/")
        assert page.status_code == 200
    assert superuser_client.get("/admin/alerts/alert/").status_code == 200


# --- Chunked bodies, through a real server (Django's test client always sends a length) -------


def _post_chunked(server_url: str, path: str, body: bytes, chunk: int = 4096) -> tuple[int, bytes]:
    """POST `body` with Transfer-Encoding: chunked; the answer is read while sending, as real
    senders do (Go's client): a server refusing a large body answers before it has all of it."""
    host, port = server_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )

    def send() -> None:
        with contextlib.suppress(OSError):  # the server may close once it has answered
            sock.sendall(head.encode())
            for start in range(0, len(body), chunk):
                piece = body[start : start + chunk]
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    with contextlib.suppress(ConnectionResetError):
        while piece := sock.recv(65536):
            answer += piece
    sender.join(timeout=60)
    sock.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_read_and_one_over_the_limit_is_413(make_integration, web_server_process):
    """Read as empty before (400): a valid alert sent chunked was dropped, 10 MB got 400."""
    integration = make_integration(kind="generic")
    path = f"/hooks/generic/{integration.test_key}"
    small = json.dumps({"title": "Sent chunked", "dedup_key": "chunked-1"}).encode()
    status, content = _post_chunked(web_server_process.url, path, small, chunk=7)
    assert status == 202, content
    assert AlertDelivery.objects.get().status in {DeliveryStatus.PENDING, DeliveryStatus.PROCESSED}
    assert json.loads(AlertDelivery.objects.get().body)["title"] == "Sent chunked"
    big = json.dumps({"title": "x", "description": "y" * (10 * 1024 * 1024)}).encode()
    status, content = _post_chunked(web_server_process.url, path, big, chunk=64 * 1024)
    assert status == 413, content[:300]
    assert AlertDelivery.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=hook_bodies, deep=deep_bodies, chunk=st.integers(min_value=1, max_value=70_000))
def test_no_chunked_body_produces_a_server_error(
    make_integration, web_server_process, body, deep, chunk
):
    if not hasattr(web_server_process, "integration"):  # one integration for all examples
        web_server_process.integration = make_integration(kind="generic")
    path = f"/hooks/generic/{web_server_process.integration.test_key}"
    for data in (json.dumps(body).encode(), deep.encode()):
        status, content = _post_chunked(web_server_process.url, path, data, chunk=chunk)
        assert status in {202, 400}, content[:300]
