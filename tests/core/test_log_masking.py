"""A key in a URL is cut short in every log line Firebell writes: Django's loggers (through the
configured handlers) and gunicorn's access log."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from core.log_masking import SecretMaskingFilter, secrets_mask

KEY = "Xy3kPq9mZ2vR7tLw5nB8cD1fG4hJ6sA0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Not Found: /hooks/alertmanager/{KEY}", "Not Found: /hooks/alertmanager/Xy3k…"),
        (f'"POST /hooks/grafana/{KEY}/ HTTP/1.1" 202', '"POST /hooks/grafana/Xy3k…/ HTTP/1.1" 202'),
        (f"GET /oncall/ical/user/{KEY}.ics", "GET /oncall/ical/user/Xy3k…"),
        (f"GET /x?page=2&token={KEY}&a=b", "GET /x?page=2&token=Xy3k…&a=b"),
        ("GET /hooks/generic/abc", "GET /hooks/generic/…"),
        ("POST /hooks/generic 202", "POST /hooks/generic 202"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_secrets_in_urls_are_cut_to_four_characters(text, expected):
    assert secrets_mask(text) == expected
    assert secrets_mask(expected) == expected


def console_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request", "celery")]
    return [handler for logger in loggers for handler in logger.handlers]


def test_every_configured_handler_masks():
    handlers = [h for h in console_handlers() if type(h) is logging.StreamHandler]
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, SecretMaskingFilter) for f in handler.filters), handler


@pytest.mark.django_db
def test_django_requests_not_found_line_has_no_key(client):
    stream = io.StringIO()
    handler = logging.getLogger("django").handlers[0]
    previous = handler.setStream(stream)
    try:
        response = client.post(f"/hooks/alertmanager/{KEY}", "{}", content_type="application/json")
    finally:
        handler.setStream(previous)
    assert response.status_code == 404
    logged = stream.getvalue()
    assert "/hooks/alertmanager/Xy3k…" in logged
    assert KEY not in logged


def test_an_exception_logged_with_a_url_in_its_traceback_is_masked():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMaskingFilter())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    try:
        raise ValueError(f"bad request to /hooks/generic/{KEY}")
    except ValueError:
        logger.exception("failed for %s", f"/hooks/grafana/{KEY}")
    finally:
        logger.removeHandler(handler)
    assert KEY not in stream.getvalue()
    assert stream.getvalue().count("Xy3k…") == 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorns_access_log_masks_the_key_in_the_request_line(tmp_path: Path):
    """The production Procfile's logger class, in a real gunicorn."""
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    assert "--logger-class firebell.access_log.MaskingAccessLogger" in procfile
    port = free_port()
    log_path = tmp_path / "access.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "firebell.settings_test"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "firebell.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", str(log_path),
         "--logger-class", "firebell.access_log.MaskingAccessLogger"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                # A GET is refused (405) before any database lookup: only the log line matters.
                urllib.request.urlopen(f"http://127.0.0.1:{port}/hooks/generic/{KEY}?token={KEY}")
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                time.sleep(0.2)
        assert status == 405
        while time.monotonic() < deadline and "/hooks/generic/" not in log_path.read_text():
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    logged = log_path.read_text()
    assert "/hooks/generic/Xy3k…?token=Xy3k…" in logged
    assert KEY not in logged
