"""The request path shared by every inbound alert webhook.

Authenticate by intake key, limit size, require JSON, parse, store the delivery raw, answer 202.
Status codes follow what senders do with them: Alertmanager gives up on a 4xx and retries a
5xx, so a 4xx is only for requests that can never succeed, and 503 when Firebell could not
store the delivery (its database is down).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable
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
    """The body as text and as parsed JSON; raises Rejection with 400/405/411/413/415.

    Whatever a client sends, the result can be stored (PostgreSQL text and jsonb) and processed
    without recursion: NUL characters become U+FFFD; non-finite numbers, lone UTF-16
    surrogates and nesting deeper than MAX_NESTING are refused with a 400 naming the problem.
    """
    if request.method != "POST":
        raise Rejection(405, f"Method {request.method} is not allowed; send a POST.")
    raw = _read_body(request)
    if len(raw) > MAX_BODY_BYTES:
        raise Rejection(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if not raw:
        raise Rejection(400, "The body is empty; send a JSON object.", "body", "empty")
    content_type = request.content_type or ""
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise Rejection(415, f"Content-Type must be application/json, not {content_type!r}.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejection(400, "The body is not valid UTF-8.", "body", "not UTF-8") from None
    # PostgreSQL stores no NUL character in text or jsonb: one would make the delivery
    # unstorable (and a 503 that the sender retries forever), so it becomes U+FFFD.
    text = text.replace("\x00", NUL_REPLACEMENT)
    try:
        payload = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except NonFiniteNumber as exc:
        reason = f"contains {exc.literal[:40]}: JSON numbers must be finite"
        raise Rejection(400, f"The body {reason}.", "body", reason) from None
    except (ValueError, RecursionError) as exc:
        reason = f"not valid JSON: {exc}"[:300]
        raise Rejection(400, f"The body is {reason}", "body", reason) from None
    return text, payload_checked(payload, text)


def _read_body(request: HttpRequest) -> bytes:
    """Up to MAX_BODY_BYTES + 1 bytes of the body, with a Content-Length or chunked."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Rejection(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if declared or not chunked:
        return request.read(MAX_BODY_BYTES + 1)  # Django reads nothing without a length
    # Chunked: Django sees no Content-Length and would read an empty body. A server that
    # decodes chunked bodies says so with wsgi.input_terminated (PEP 3333; gunicorn does),
    # and its input then ends where the body ends.
    if not request.META.get("wsgi.input_terminated"):
        raise Rejection(411, "This server cannot read a chunked body; send a Content-Length.")
    return request.META["wsgi.input"].read(MAX_BODY_BYTES + 1)


class NonFiniteNumber(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _refuse_constant(literal: str) -> float:
    raise NonFiniteNumber(literal)  # NaN, Infinity, -Infinity: PostgreSQL's jsonb has none


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):  # 1e999 overflows to infinity
        raise NonFiniteNumber(literal)
    return number


NUL_REPLACEMENT = "\ufffd"
MAX_NESTING = 64  # real senders nest 4-6 deep; storing and showing deeper JSON recurses
_NUL_ESCAPE = re.compile(r"\\u0000")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a valid pair decodes to one character


def payload_checked(payload: Any, text: str) -> Any:
    """`payload` with NULs replaced; Rejection (400) for lone surrogates or too deep nesting.

    Iterative, so no payload can exhaust the stack. The text tells what to look for: the walk
    is skipped for the common small body without escapes that could not be nested too deep.
    """
    scrub_nul = _NUL_ESCAPE.search(text) is not None
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    if not (scrub_nul or surrogates or text.count("[") + text.count("{") > MAX_NESTING):
        return payload
    check = scrub_nul or surrogates
    if isinstance(payload, str):
        return _text_checked(payload, (), scrub_nul) if check else payload
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(payload, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_NESTING:
            reason = f"nested more than {MAX_NESTING} levels deep"
            raise Rejection(400, f"The body is {reason} (at {_dotted(path)}).", "body", reason)
        if isinstance(node, dict):
            if check:
                items = [(_text_checked(k, (*path, k), scrub_nul), v) for k, v in node.items()]
                node.clear()
                node.update(items)
            entries: Iterable[tuple[str | int, Any]] = list(node.items())
        elif isinstance(node, list):
            entries = list(enumerate(node))
        else:
            continue
        for key, value in entries:
            if isinstance(value, dict | list):
                stack.append((value, (*path, key)))
            elif check and isinstance(value, str):
                node[key] = _text_checked(value, (*path, key), scrub_nul)
    return payload


def _text_checked(value: str, path: tuple[str | int, ...], scrub_nul: bool) -> str:
    if _LONE_SURROGATE.search(value):
        where = _dotted(path) or "body"
        reason = "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not valid Unicode"
        raise Rejection(400, f"{where} {reason}.", where, reason)
    return value.replace("\x00", NUL_REPLACEMENT) if scrub_nul else value


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text[:200]


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
