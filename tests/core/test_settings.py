"""Settings are strict: a bad value stops start-up with a message naming the variable.

Each case starts a fresh interpreter, since settings are read once per process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "WORKER_HEARTBEAT_MAX_AGE_SECONDS",
    "DATABASE_CONN_MAX_AGE",
]


def start_django(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="firebell.settings",
        FIREBELL_VAR_DIR=str(tmp_path / "var"),
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DEBUG"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_django_starts_with_nothing_set_but_debug(tmp_path: Path) -> None:
    result = start_django(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        pytest.param({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean", id="debug-not-boolean"),
        pytest.param({"DEBUG": "0"}, "SECRET_KEY is required", id="secret-key-missing"),
        pytest.param(
            {"DEBUG": "1", "DATABASE_URL": "mysql://firebell@db/firebell"},
            "DATABASE_URL has scheme 'mysql'",
            id="database-url-unsupported",
        ),
        pytest.param(
            {"DEBUG": "1", "DATABASE_URL": "postgres://firebell@db:port/firebell"},
            "DATABASE_URL is not a valid database URL",
            id="database-url-malformed",
        ),
        pytest.param(
            {"DEBUG": "1", "WORKER_HEARTBEAT_MAX_AGE_SECONDS": "soon"},
            "WORKER_HEARTBEAT_MAX_AGE_SECONDS='soon' is not a whole number",
            id="whole-number-expected",
        ),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_message_naming_the_variable(
    tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    result = start_django(tmp_path, **variables)

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    assert named in last_line


def variables_read_by_settings() -> set[str]:
    source = (settings.BASE_DIR / "firebell" / "settings.py").read_text()
    return set(re.findall(r"(?:_bool|_int|env\.\w+)\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


def env_example() -> dict[str, str]:
    lines = (settings.BASE_DIR / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z][A-Z0-9_]*=", line))


def test_every_variable_settings_reads_is_in_env_example_and_the_configuration_docs() -> None:
    variables = variables_read_by_settings()
    docs = (settings.BASE_DIR / "docs" / "configuration.md").read_text()

    assert "SECRET_KEY" in variables
    assert variables - set(env_example()) == set()
    assert {name for name in variables if f"`{name}`" not in docs} == set()


SHOWN = ["DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "VAR_DIR", "DATABASES", "CACHES"]
SHOWN += ["CELERY_BROKER_URL", "WORKER_HEARTBEAT_MAX_AGE_SECONDS", "SESSION_COOKIE_SECURE"]
SHOWN += ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "TIME_ZONE", "LOGGING"]
DUMP = f"""
import json
from django.conf import settings
print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}, default=str))
"""


def test_env_example_as_written_gives_the_same_settings_as_an_empty_environment(
    tmp_path: Path,
) -> None:
    def dump(**variables: str) -> dict:
        env = {key: value for key, value in os.environ.items() if key not in env_example()}
        env.update(DJANGO_SETTINGS_MODULE="firebell.settings", **variables)
        result = subprocess.run(
            [sys.executable, "-c", DUMP],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    local = {"DEBUG": "1", "SECRET_KEY": "x" * 50}

    assert dump(**{**env_example(), **local}) == dump(**local)
