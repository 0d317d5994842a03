"""`/metrics` for Prometheus: allowed by bearer token or from the allowed networks."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitoring.metrics import metrics_text

# What generate_latest() writes (prometheus_client's CONTENT_TYPE_LATEST names a newer version).
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.FIREBELL_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.FIREBELL_METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            "forbidden: send Authorization: Bearer <FIREBELL_METRICS_TOKEN> or scrape from "
            "FIREBELL_METRICS_ALLOWED_NETWORKS\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(metrics_text(), content_type=TEXT_FORMAT)
