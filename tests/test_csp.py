"""Content-Security-Policy and Permissions-Policy: on every page, strict for scripts and styles,
and templates that need nothing else (no inline script, handler, style or eval'd htmx)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "jinja2"
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
# (what, pattern): each one either needs 'unsafe-inline'/'unsafe-eval' or htmx's eval.
FORBIDDEN = [
    ("inline <script>", re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)),
    ("<style> element", re.compile(r"<style[\s>]", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE)),
    ("htmx js: value", re.compile(r"""hx-(?:vals|headers)\s*=\s*["']\s*(?:js|javascript):""")),
    ("htmx trigger filter", re.compile(r"""hx-trigger\s*=\s*["'][^"']*\[""")),
    ("htmx trigger filter", re.compile(r"every \d+m?s \[")),
    ("hx-on handler", re.compile(r"\bhx-on")),
]
IN_TAG = [
    ("on*= handler", re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)),
    ("style= attribute", re.compile(r"\sstyle\s*=", re.IGNORECASE)),
]


def template_paths() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def problems_in(text: str) -> list[str]:
    text = COMMENT.sub("", text)  # comments may name what they avoid
    found = [what for what, pattern in FORBIDDEN if pattern.search(text)]
    for tag in TAG.findall(text):
        found += [f"{what} in {tag[:80]!r}" for what, pattern in IN_TAG if pattern.search(tag)]
    return found


@pytest.mark.parametrize(
    "path", template_paths(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_a_template_needs_no_inline_script_handler_style_or_eval(path):
    assert problems_in(path.read_text()) == []


def test_the_scanner_finds_what_it_looks_for():
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<a href="javascript:go()">',
        """<div hx-vals='js:{a: 1}'>""",
        '<div hx-trigger="every 5s [ready()]">',
        '<form onsubmit="return confirm()">',
        '<p style="color: red">',
        '<button hx-on:click="x()">',
    ]
    for sample in samples:
        assert problems_in(sample), sample
    assert problems_in('<script src="/static/js/firebell.js" defer></script>') == []


def pages_without_arguments() -> list[str]:
    """Every URL of the site that takes no argument (a new screen is checked the day it lands)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(?P" not in route:
                path = "/" + (prefix + route).lstrip("^").rstrip("$").replace("\\", "")
                if "(" not in path and "[" not in path and "?" not in path:
                    found.append(path)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_the_permissions_policy(admin_user):
    admin = Client()
    admin.force_login(admin_user)
    anonymous = Client()
    checked = 0
    for path in [*pages_without_arguments(), "/no-such-page/"]:
        for client in (admin, anonymous):
            response = client.get(path)
            policy = response.headers.get("Content-Security-Policy", "")
            assert "script-src 'self'" in policy, (path, response.status_code)
            script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
            assert "unsafe" not in script_src, path
            assert "frame-ancestors 'none'" in policy
            assert "camera=()" in response.headers.get("Permissions-Policy", ""), path
            checked += 1
    assert checked > 40


@pytest.mark.django_db
def test_styles_are_strict_on_the_app_and_relaxed_only_on_the_api_docs(admin_user):
    admin = Client()
    admin.force_login(admin_user)
    board = admin.get("/").headers["Content-Security-Policy"]
    assert "style-src 'self';" in board + ";"
    docs = admin.get("/api/docs/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in docs
    assert "<script>" not in admin.get("/api/docs/").content.decode()


def test_report_only_mode_is_a_setting():
    code = (
        "import json; from django.conf import settings; print(json.dumps("
        "[settings.CONTENT_SECURITY_POLICY is None, "
        "bool(settings.CONTENT_SECURITY_POLICY_REPORT_ONLY)]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "firebell.settings_test"}
    env["FIREBELL_CSP_REPORT_ONLY"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True]


@pytest.mark.django_db
def test_in_report_only_mode_the_header_reports_and_blocks_nothing():
    policy = settings.CONTENT_SECURITY_POLICY
    with override_settings(
        CONTENT_SECURITY_POLICY=None, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy
    ):
        response = Client().get("/login/")
    assert "Content-Security-Policy" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]


@pytest.mark.django_db
def test_a_violation_report_is_logged(caplog):
    body = {
        "csp-report": {
            "document-uri": "http://127.0.0.1:8000/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level(logging.WARNING, logger="firebell.csp"):
        response = Client().post(
            "/csp-report/", json.dumps(body), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "script-src-elem" in caplog.text
    assert Client().post("/csp-report/", "not json", content_type="text/plain").status_code == 400
