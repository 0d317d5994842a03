"""The request path shared by every inbound alert webhook.

Authenticate by intake key, limit size, require JSON, parse, store the delivery raw, answer 202.
Status codes follow what senders do with them: Alertmanager gives up on a 4xx and retries a
5xx, so a 4xx is only for requests that can never succeed, and 503 when Firebell could not
store the delivery (its database is down).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse

from alerts.models import Integration
from alerts.selectors import integration_get_by_key
from alerts.services import delivery_record
from alerts.types import AlertSignal, PayloadError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024
KEPT_HEADERS = (
    "User-Agent",
    "Content-Type",
    "Content-Length",
    "X-Forwarded-For",
    "X-Grafana-Org-Id",
)
RETRY_AFTER_SECONDS = "5"


@dataclass
class Rejection(Exception):
    status: int
    message: str
    field: str = ""
    reason: str = ""


def error_response(rejection: Rejection) -> JsonResponse:
    status, field = rejection.status, rejection.field
    message = rejection.message
    errors = {field: [rejection.reason or message]} if field else {}
    response = JsonResponse({"message": message, "errors": errors}, status=status)
    if status == 503:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    if status == 405:
        response["Allow"] = "POST"
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="intake"'
    return response


def intake_key(request: HttpRequest, key_in_url: str) -> str:
    """The intake key: the one in the URL when there is one, else `Authorization: Bearer <key>`
    (Alertmanager's `http_config.authorization`, Grafana's "Authorization header"). Raises a 401
    Rejection when neither is given."""
    if key_in_url:
        return key_in_url
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    raise Rejection(
        401,
        "No intake key: send it as 'Authorization: Bearer <key>', or at the end of the URL.",
        "Authorization",
        "missing",
    )


def read_json(request: HttpRequest) -> tuple[str, Any]:
    """The body as text and as parsed JSON; raises Rejection with 405/413/415/400."""
    if request.method != "POST":
        raise Rejection(405, f"Method {request.method} is not allowed; send a POST.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejection(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if declared == "0":  # Django reads no body without a Content-Length either
        raise Rejection(400, "The body is empty; send a JSON object.", "body", "empty")
    content_type = request.content_type or ""
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise Rejection(415, f"Content-Type must be application/json, not {content_type!r}.")
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise Rejection(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if not raw:
        raise Rejection(400, "The body is empty; send a JSON object.", "body", "empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejection(400, "The body is not valid UTF-8.", "body", "not UTF-8") from None
    # PostgreSQL stores no NUL character in text or jsonb: one would make the delivery
    # unstorable (and a 503 that the sender retries forever), so it becomes U+FFFD.
    text = text.replace("\x00", NUL_REPLACEMENT)
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = f"not valid JSON: {exc}"[:300]
        raise Rejection(400, f"The body is {reason}", "body", reason) from None
    if "\\u0000" in text:
        payload = without_nul(payload)
    return text, payload


NUL_REPLACEMENT = "\ufffd"


def without_nul(value: Any) -> Any:
    """`value` with every NUL character in its strings (keys too) replaced."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_REPLACEMENT)
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def kept_headers(request: HttpRequest) -> dict[str, str]:
    return {name: request.headers[name][:500] for name in KEPT_HEADERS if name in request.headers}


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@dataclass
class Accepted:
    delivery_id: int
    signals: list[AlertSignal]


def accept(
    request: HttpRequest,
    *,
    integration: Integration,
    text: str,
    payload: Any,
    parse: Callable[[Any], list[AlertSignal]],
) -> Accepted:
    """Parse and store; a payload that can never be processed is stored as rejected (400)."""
    try:
        signals = parse(payload)
    except PayloadError as exc:
        _store(request, integration, text, None, str(exc))
        raise Rejection(400, f"Invalid payload: {exc}", exc.field, exc.reason) from None
    except Exception as exc:  # a parser bug must not lose the request or answer 500
        logger.exception("Parser for %s failed", integration.kind)
        delivery = _store(request, integration, text, None, f"parser error: {exc!r}"[:2000])
        raise Rejection(
            400, f"The payload could not be parsed (stored as delivery {delivery.pk})."
        ) from None
    delivery = _store(request, integration, text, signals, "")
    return Accepted(delivery_id=delivery.pk, signals=signals)


def _store(request, integration, text, signals, error):
    try:
        return delivery_record(
            integration=integration,
            body=text,
            headers=kept_headers(request),
            source_ip=client_ip(request),
            signals=signals,
            error=error,
        )
    except DatabaseError:
        logger.exception("Could not store a delivery for integration %s", integration.pk)
        raise Rejection(503, "Firebell could not store this delivery; retry shortly.") from None


def find_integration(*, kind: str, key: str) -> Integration:
    try:
        integration = integration_get_by_key(kind=kind, key=key)
    except DatabaseError:
        logger.exception("Could not look up an intake key")
        raise Rejection(503, "Firebell cannot reach its database; retry shortly.") from None
    if integration is None:
        raise Rejection(404, f"No enabled {kind} integration has this intake key.")
    return integration
