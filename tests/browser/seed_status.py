"""Realistic data for the status page and check screens (browser tests and screenshots)."""

from __future__ import annotations

import random
from datetime import timedelta

from checks import services as check_services
from checks.models import CheckFlip, CheckKind, CheckResult, CheckStatus, ResultKind
from core import clock
from incidents import services as incident_services
from incidents.models import Incident, IncidentStatus, Severity, Source
from statuspage import services as status_services
from statuspage.models import Component, ComponentGroup, Maintenance, PublicStatus
from tests.factories import ServiceFactory


def seed_status(responder) -> dict:
    rng = random.Random(17)
    now = clock.now()
    api = ServiceFactory(slug="api", name="API")
    web = ServiceFactory(slug="web", name="Web app")
    mail = ServiceFactory(slug="mail", name="Mail")
    core, extras = (
        ComponentGroup.objects.create(name="Core", order=1),
        ComponentGroup.objects.create(name="Integrations", order=2),
    )
    components = {}
    for name, group, service, description in (
        ("Public API", core, api, "REST API and webhooks"),
        ("Dashboard", core, web, "The web application"),
        ("E-mail notifications", extras, mail, "Alerts and digests by e-mail"),
        ("Slack app", extras, None, ""),
    ):
        component = Component.objects.create(name=name, group=group, description=description)
        if service:
            component.services.add(service)
        components[name] = component
    severities = {s.rank: s for s in Severity.objects.all()}
    for _ in range(14):  # resolved incidents over 90 days: the uptime bars
        begin = now - timedelta(days=rng.randrange(1, 89), hours=rng.randrange(24))
        incident = Incident.objects.create(
            number=Incident.objects.count() + 1000,
            title="Past",
            severity=severities[rng.choice([1, 2, 3])],
            status=IncidentStatus.RESOLVED,
            triggered_at=begin,
            created_at=begin,
            resolved_at=begin + timedelta(minutes=rng.randrange(20, 300)),
        )
        incident.services.add(rng.choice([api, web, mail]))
    current = incident_services.incident_create(
        title="p99 latency on api-gw-3 above 4 s (internal)",
        severity=severities[2],
        actor=None,
        source=Source.WEB,
        services=[api],
    )
    publication = status_services.publication_create(
        incident=current,
        actor=responder,
        title="Slow responses from the API",
        status=PublicStatus.INVESTIGATING,
        components=[components["Public API"]],
        body="Some API requests take several seconds. We are investigating.",
    )
    status_services.public_update_post(
        publication=publication,
        actor=responder,
        status=PublicStatus.IDENTIFIED,
        body="A overloaded gateway node is the cause; traffic is being moved away from it.",
    )
    Maintenance.objects.create(
        title="Database upgrade",
        body="The dashboard is read-only for up to 20 minutes.",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, minutes=30),
    ).components.add(components["Dashboard"])
    return {"incident": current, "components": components, "services": {"api": api, "web": web}}


def seed_checks(service) -> dict:
    now = clock.now()
    heartbeat = check_services.check_create(
        actor=None,
        name="nightly-backup",
        kind=CheckKind.HEARTBEAT,
        service=service,
        period=timedelta(hours=24),
        grace=timedelta(hours=1),
    )
    http = check_services.check_create(
        actor=None,
        name="api-health",
        kind=CheckKind.HTTP,
        service=service,
        url="https://api.example.com/healthz",
        json_rule="components_healthy",
        failures_to_alert=3,
        successes_to_recover=2,
    )
    rng = random.Random(3)
    results = []
    for n in range(50):
        at = now - timedelta(minutes=50 - n)
        ok = not 30 <= n <= 33
        results.append(
            CheckResult(
                health_check=http,
                at=at,
                kind=ResultKind.SUCCESS if ok else ResultKind.FAILURE,
                ok=ok,
                status_code=200 if ok else 503,
                response_ms=rng.randrange(40, 160) if ok else 2100,
                message="3 components healthy." if ok else "Not healthy: database",
            )
        )
    CheckResult.objects.bulk_create(results)
    flips = [
        (50, "new", "up"),
        (18, "up", "down"),
        (15, "down", "up"),
    ]
    CheckFlip.objects.bulk_create(
        CheckFlip(health_check=http, at=now - timedelta(minutes=m), old_status=a, new_status=b)
        for m, a, b in flips
    )
    http.status, http.status_changed_at = CheckStatus.UP, now - timedelta(minutes=15)
    http.save()
    return {"heartbeat": heartbeat, "http": http}
