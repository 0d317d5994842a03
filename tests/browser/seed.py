"""Realistic incidents for screenshots and demos, written through the services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from core import clock
from incidents import services
from incidents.models import Incident, Role, Service, Severity, Source
from tests.factories import UserFactory

SERVICES = [
    ("Payments", "payments"),
    ("Checkout", "checkout"),
    ("Search", "search"),
    ("Auth API", "auth-api"),
    ("Notifications", "notifications"),
    ("Mobile app", "mobile-app"),
]
PEOPLE = [
    ("rita", "Rita", "Alvarez"),
    ("sam", "Sam", "Okafor"),
    ("jun", "Jun", "Tanaka"),
    ("maya", "Maya", "Lindqvist"),
]


def seed_people() -> dict:
    group = Group.objects.get(name="Responder")
    people = {}
    for username, first, last in PEOPLE:
        user = UserFactory(username=username, first_name=first, last_name=last)
        user.groups.add(group)
        people[username] = user
    return people


def seed_services() -> dict:
    return {
        slug: Service.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for name, slug in SERVICES
    }


def seed_board(now=None) -> dict:
    """Six open incidents across the three open statuses, plus a few resolved ones."""
    now = now or timezone.now()
    people, svc = seed_people(), seed_services()
    sev = {s.rank: s for s in Severity.objects.all()}

    def declare(minutes_ago, title, rank, services_, who, summary=""):
        with clock.frozen_at(now - timedelta(minutes=minutes_ago)):
            return services.incident_create(
                title=title,
                severity=sev[rank],
                services=[svc[s] for s in services_],
                summary=summary,
                commander=people[who],
                actor=people[who],
                source=Source.WEB,
            )

    def at(minutes_ago, fn, **kwargs):
        with clock.frozen_at(now - timedelta(minutes=minutes_ago)):
            return fn(**kwargs)

    main = declare(
        42,
        "Card payments failing for EU customers",
        1,
        ["payments", "checkout"],
        "rita",
        "Card authorisations return 502 from the EU acquirer; about 30% of checkouts fail.",
    )
    at(39, services.incident_acknowledge, incident=main, actor=people["rita"], source=Source.WEB)
    at(
        38,
        services.incident_assign_role,
        incident=main,
        role=Role.objects.get(slug="tech"),
        user=people["sam"],
        actor=people["rita"],
        source=Source.WEB,
    )
    at(
        37,
        services.incident_assign_role,
        incident=main,
        role=Role.objects.get(slug="comms"),
        user=people["maya"],
        actor=people["rita"],
        source=Source.WEB,
    )
    at(
        35,
        services.incident_add_note,
        incident=main,
        actor=people["sam"],
        source=Source.WEB,
        text="Acquirer status page shows degraded authorisations in eu-west since 09:12.",
    )
    at(
        30,
        services.incident_add_note,
        incident=main,
        actor=people["sam"],
        source=Source.WEB,
        text="Failing over EU card traffic to the secondary acquirer (runbook PAY-7).",
    )
    at(
        28,
        services.incident_post_stakeholder_update,
        incident=main,
        actor=people["maya"],
        source=Source.WEB,
        body="Some EU card payments are failing. We are failing over to our "
        "secondary provider. Next update in 30 minutes.",
        impact="~30% of EU checkouts",
        eta="30m",
    )
    at(
        20,
        services.incident_change_severity,
        incident=main,
        severity=sev[1],
        actor=people["rita"],
        source=Source.WEB,
    )
    at(
        12,
        services.incident_add_note,
        incident=main,
        actor=people["rita"],
        source=Source.WEB,
        text="Error rate down from 31% to 4% after failover; watching.",
    )

    declare(3, "Login page times out on mobile", 2, ["auth-api", "mobile-app"], "jun")
    declare(75, "Search results missing new products", 3, ["search"], "maya")
    ack = declare(130, "Password reset emails delayed", 3, ["notifications"], "jun")
    at(128, services.incident_acknowledge, incident=ack, actor=people["jun"], source=Source.WEB)
    mit = declare(200, "Checkout latency p95 above 3 s", 2, ["checkout"], "sam")
    at(196, services.incident_acknowledge, incident=mit, actor=people["sam"], source=Source.WEB)
    at(150, services.incident_mitigate, incident=mit, actor=people["sam"], source=Source.WEB)
    declare(26 * 60, "Typo on the pricing page footer", 4, ["checkout"], "maya")
    for hours, title in [(30, "Webhook retries piling up"), (52, "Stale exchange rates")]:
        old = declare(hours * 60, title, 3, ["payments"], "rita")
        at(
            hours * 60 - 5,
            services.incident_acknowledge,
            incident=old,
            actor=people["rita"],
            source=Source.WEB,
        )
        at(
            hours * 60 - 50,
            services.incident_resolve,
            incident=old,
            actor=people["rita"],
            source=Source.WEB,
        )
    return {"people": people, "main": Incident.objects.get(pk=main.pk)}
