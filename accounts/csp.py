"""Where browsers report Content-Security-Policy violations (report-uri /csp-report/): each one
is logged as a warning, so a report-only trial shows what the policy would block."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("firebell.csp")
MAX_REPORT_BYTES = 16 * 1024
FIELDS = ("document-uri", "violated-directive", "effective-directive", "blocked-uri", "line-number")


@csrf_exempt  # browsers send reports without a CSRF token; nothing is changed here
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    raw = request.read(MAX_REPORT_BYTES + 1)
    if len(raw) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(raw or b"{}").get("csp-report", {})
    except (ValueError, AttributeError):
        return HttpResponse(status=400)
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    logger.warning(
        "CSP violation: %s",
        " ".join(f"{name}={str(report.get(name, ''))[:200]!r}" for name in FIELDS),
    )
    return HttpResponse(status=204)
