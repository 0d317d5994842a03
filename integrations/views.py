"""Inbound alert webhooks: Alertmanager, Grafana, generic JSON and PagerDuty Events API v2."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from alerts.types import PayloadError
from integrations.alertmanager import parser as alertmanager
from integrations.generic import parser as generic
from integrations.grafana import parser as grafana
from integrations.intake import (
    Rejection,
    accept,
    error_response,
    find_integration,
    intake_key,
    read_json,
)
from integrations.pagerduty_events import parser as pagerduty

PARSERS = {"alertmanager": alertmanager.parse, "grafana": grafana.parse, "generic": generic.parse}


@csrf_exempt
def alert_hook(request: HttpRequest, kind: str, key: str = "") -> JsonResponse:
    try:
        # Authenticate first: an unknown key gets 404 without the body being read.
        if request.method != "POST":
            raise Rejection(405, f"Method {request.method} is not allowed; send a POST.")
        integration = find_integration(kind=kind, key=intake_key(request, key))
        text, payload = read_json(request)
        accepted = accept(
            request, integration=integration, text=text, payload=payload, parse=PARSERS[kind]
        )
    except Rejection as rejection:
        return error_response(rejection)
    return JsonResponse(
        {
            "status": "accepted",
            "delivery_id": accepted.delivery_id,
            "alerts": len(accepted.signals),
            "fingerprints": [signal.fingerprint for signal in accepted.signals],
        },
        status=202,
    )


def _pagerduty_error(status: int, message: str, errors: list[str]) -> JsonResponse:
    response = JsonResponse(
        {
            "status": "invalid event" if status == 400 else "error",
            "message": message,
            "errors": errors,
        },
        status=status,
    )
    if status == 503:
        response["Retry-After"] = "5"
    return response


@csrf_exempt
def pagerduty_enqueue(request: HttpRequest, change: bool = False) -> JsonResponse:
    """A drop-in for https://events.pagerduty.com/v2/enqueue (and /v2/change/enqueue)."""
    try:
        _text, payload = read_json(request)
        try:
            key = pagerduty.routing_key(payload)
        except PayloadError as exc:
            raise Rejection(400, f"Invalid payload: {exc}", exc.field, exc.reason) from None
        integration = find_integration(kind="pagerduty", key=key)
        # The routing key is a secret; what is stored is the body without it.
        stored = json.dumps({k: v for k, v in payload.items() if k != "routing_key"})
        accepted = accept(
            request,
            integration=integration,
            text=stored,
            payload=payload,
            parse=(lambda _payload: []) if change else pagerduty.parse,
        )
    except Rejection as rejection:
        if rejection.status != 400:
            return _pagerduty_error(rejection.status, rejection.message, [rejection.message])
        detail = f"{rejection.field}: {rejection.reason}" if rejection.field else rejection.message
        return _pagerduty_error(400, "Event object is invalid", [detail])
    if change:
        return JsonResponse({"status": "success", "message": "Change event processed"}, status=202)
    return JsonResponse(
        {
            "status": "success",
            "message": "Event processed",
            "dedup_key": accepted.signals[0].fingerprint,
        },
        status=202,
    )
