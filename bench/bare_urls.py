"""The baseline of bench/storm.py: a bare Django view that parses the same JSON and inserts one
row, served by the same gunicorn (same middleware) beside every Firebell URL."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

BARE_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, body text NOT NULL,"
    " received_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    payload = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (body) VALUES (%s)", [request.body.decode()])
    return JsonResponse(
        {"status": "accepted", "alerts": len(payload.get("alerts", []))}, status=202
    )


urlpatterns = [path("bench/bare", bare), path("", include("firebell.urls"))]
