"""Twelve weeks of history for the insights screenshot: incidents with their acknowledge and
resolve times, and the pages they sent (bulk inserts: what is shown is aggregates of rows)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from incidents.models import Incident, IncidentStatus, Severity
from oncall.models import Page, PageStatus
from postmortems.models import ActionItem, ActionItemStatus, Postmortem, PostmortemStatus
from tests.browser.seed import seed_people, seed_services

# Typical minutes to acknowledge and to resolve per severity rank (the seed varies them).
TYPICAL = {1: (6, 90), 2: (18, 240), 3: (60, 900), 4: (240, 2880)}


def seed_insights(now=None, *, weeks: int = 12, first_number: int = 5000) -> dict:
    now = now or timezone.now()
    chance = random.Random(14)
    people = seed_people()
    services = list(seed_services().values())
    severities = {s.rank: s for s in Severity.objects.all()}
    incidents = []
    for n in range(weeks * 9):
        rank = chance.choices([1, 2, 3, 4], weights=[1, 3, 4, 2])[0]
        created = now - timedelta(minutes=chance.randint(60, weeks * 7 * 24 * 60))
        ack_typical, resolve_typical = TYPICAL[rank]
        ack = timedelta(minutes=chance.lognormvariate(0, 0.6) * ack_typical)
        resolved = ack + timedelta(minutes=chance.lognormvariate(0, 0.5) * resolve_typical)
        incidents.append(
            Incident(
                number=first_number + n,
                title=f"Seeded incident {n}",
                severity=severities[rank],
                status=IncidentStatus.RESOLVED,
                created_at=created,
                triggered_at=created,
                acknowledged_at=created + ack,
                resolved_at=created + resolved,
            )
        )
    Incident.objects.bulk_create(incidents)
    links = []
    for incident in incidents:
        for service in chance.sample(services, chance.choice([1, 1, 2])):
            links.append(Incident.services.through(incident_id=incident.pk, service_id=service.pk))
    Incident.services.through.objects.bulk_create(links)
    pages = []
    for incident in incidents:
        who = chance.choice(list(people.values()))
        pages.append(
            Page(
                incident=incident,
                user=who,
                level=1,
                channel="email",
                status=PageStatus.SENT,
                due_at=incident.triggered_at,
                sent_at=incident.triggered_at,
            )
        )
    Page.objects.bulk_create(pages)
    _seed_postmortems(chance, incidents, now)
    return {"people": people, "incidents": incidents}


def _seed_postmortems(chance: random.Random, incidents: list[Incident], now) -> None:
    """A post-mortem for each SEV-1 and SEV-2 (due 48 hours after resolution; most published on
    time, some late, some still drafts) and one or two action items each."""
    postmortems, items = [], []
    for incident in incidents:
        if incident.severity.rank > 2:
            continue
        due_at = incident.resolved_at + timedelta(hours=48)
        took = timedelta(hours=chance.uniform(6, 80))
        finished = incident.resolved_at + took
        published = finished < now and chance.random() < 0.85
        postmortems.append(
            Postmortem(
                incident=incident,
                status=PostmortemStatus.PUBLISHED if published else PostmortemStatus.DRAFT,
                due_at=due_at,
                published_at=finished if published else None,
            )
        )
        for n in range(chance.choice([1, 2])):
            created_at = incident.resolved_at + timedelta(hours=chance.uniform(2, 50))
            completed_at = created_at + timedelta(days=chance.uniform(1, 30))
            done = completed_at < now and chance.random() < 0.7
            items.append(
                ActionItem(
                    incident=incident,
                    title=f"Follow-up {n + 1} of #{incident.number}",
                    status=ActionItemStatus.DONE if done else ActionItemStatus.OPEN,
                    created_at=min(created_at, now),
                    completed_at=completed_at if done else None,
                )
            )
    Postmortem.objects.bulk_create(postmortems)
    ActionItem.objects.bulk_create(items)
