"""Who may import whom (docs/architecture.md shows this table): apps depend on each other in one
direction by plain imports, or register in AppConfig.ready(). Read from the code's imports, so
a new import against the direction fails here instead of drifting silently."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# app -> the apps it may import. `firebell` is the project (settings, URLs, the Celery app).
ALLOWED: dict[str, set[str]] = {
    "core": {"firebell"},
    "accounts": {"core", "firebell"},
    "incidents": {"core", "firebell"},
    "alerts": {"core", "incidents", "firebell"},
    "oncall": {"core", "incidents", "firebell"},
    "postmortems": {"core", "incidents", "firebell"},
    "moderation": {"core", "incidents", "firebell"},
    "checks": {"core", "incidents", "alerts", "firebell"},
    "statuspage": {"core", "incidents", "firebell"},
    # Firebell watching itself: reads every app's state; nothing imports it.
    "monitoring": {"core", "incidents", "alerts", "oncall", "checks", "firebell"},
    "integrations": {
        "core",
        "accounts",
        "incidents",
        "alerts",
        "oncall",
        "postmortems",
        "firebell",
    },
    # Set-up screens for admins (services, people, the first-run checklist); nothing imports it.
    "setup": {"core", "incidents", "alerts", "oncall", "firebell"},
    # Reports read incidents, on-call and post-mortems; nothing imports insights.
    "insights": {"core", "incidents", "oncall", "postmortems", "firebell"},
    "firebell": {"core", "accounts"},
}


def imports_of(app: str) -> dict[str, set[str]]:
    """{imported app: files of `app` importing it}, migrations aside."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in ALLOWED and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = {
        other: sorted(files)
        for other, files in imports_of(app).items()
        if other not in ALLOWED[app]
    }
    assert not wrong, f"{app} imports {wrong}; register in AppConfig.ready() instead"


def test_no_import_is_guarded_or_resolved_by_name_in_application_code():
    offenders = []
    for app in ALLOWED:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            if "importlib" in text or "except ImportError" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
