"""One HTTP poll of a check: fetch the URL (outside any transaction) and judge the answer.

`judge` is a pure function of the answer, so the rules are tested without a network."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2

from checks.models import Check, JsonRule
from checks.services import PollOutcome

HEALTHY_VALUES = frozenset({"healthy", "ok", "up", "pass", "passing", "green", "operational"})
MAX_BODY = 256 * 1024  # a health endpoint's body; anything longer is cut before parsing


def poll(check: Check) -> PollOutcome:
    """GET the check's URL with its timeout; never raises for network trouble."""
    started = time.monotonic()
    try:
        response = httpx2.get(
            check.url,
            timeout=check.timeout.total_seconds(),
            follow_redirects=True,
            headers={"User-Agent": "Firebell-Check/1", "Accept": "application/json, */*"},
        )
    except httpx2.TimeoutException:
        return PollOutcome(False, None, None, f"No answer within {check.timeout.seconds} s.")
    except httpx2.HTTPError as exc:
        return PollOutcome(False, None, None, f"{type(exc).__name__}: {exc}"[:500])
    elapsed_ms = int((time.monotonic() - started) * 1000)
    ok, message = judge(check, response.status_code, response.content[:MAX_BODY])
    return PollOutcome(ok, response.status_code, elapsed_ms, message)


def judge(check: Check, status_code: int, body: bytes) -> tuple[bool, str]:
    """(healthy?, why) for an answer, by the check's expected status and JSON rule."""
    if status_code != check.expected_status:
        return False, f"HTTP {status_code}, expected {check.expected_status}."
    if not check.json_rule:
        return True, f"HTTP {status_code}."
    try:
        document = json.loads(body)
    except ValueError:
        return False, "The body is not JSON."
    if check.json_rule == JsonRule.FIELD_EQUALS:
        found, value = _dig(document, check.json_field)
        if not found:
            return False, f"No field {check.json_field!r} in the body."
        if str(value) != check.json_value and value != check.json_value:
            return False, f"{check.json_field} is {value!r}, expected {check.json_value!r}."
        return True, f"{check.json_field} is {value!r}."
    components = document.get("components") if isinstance(document, dict) else None
    if not isinstance(components, dict):
        return False, 'No "components" object in the body.'
    unhealthy = sorted(name for name, state in components.items() if not _healthy(state))
    if unhealthy:
        return False, "Not healthy: " + ", ".join(unhealthy)[:400]
    return True, f"{len(components)} components healthy."


def _healthy(state: Any) -> bool:
    # {"db": "healthy"} or {"db": {"status": "healthy", …}} (Spring Boot, ASP.NET health checks)
    if isinstance(state, dict):
        state = state.get("status", state.get("state"))
    return isinstance(state, str | bool) and (
        state is True or str(state).strip().lower() in HEALTHY_VALUES
    )


def _dig(document: Any, path: str) -> tuple[bool, Any]:
    value = document
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value
