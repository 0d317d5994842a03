"""What a new installation needs from incidents: the runbook's severities and roles, and the
groups' share of incident permissions. Registered with core in incidents.apps; idempotent, and
existing rows are never overwritten (admins may have tuned them)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from core.services import group_permissions_grant
from incidents.models import Role, Severity

DEFAULT_SEVERITIES = [
    (1, "SEV-1", "Critical", "Complete outage, data loss, security breach.", 15, True),
    (2, "SEV-2", "High", "Major functionality broken.", 60, True),
    (3, "SEV-3", "Medium", "Minor issues, performance degradation.", 240, False),
    (4, "SEV-4", "Low", "Cosmetic issues.", 24 * 60, False),
]
DEFAULT_ROLES = [
    ("commander", "Incident Commander", "Owns the incident: decides, delegates, communicates.", 10),
    ("tech", "Technical Lead", "Leads the investigation and the fix.", 20),
    ("comms", "Communications Lead", "Keeps stakeholders and customers informed.", 30),
    ("scribe", "Scribe", "Keeps the timeline complete for the post-mortem.", 40),
]
RESPONDER_PERMISSIONS = [
    "add_incident",
    "respond_incident",
    "change_incident",
    "add_stakeholderupdate",
    "add_roleassignment",
    "change_roleassignment",
]


def defaults_ensure_incidents() -> None:
    with transaction.atomic():
        for rank, name, label, description, ack_minutes, postmortem in DEFAULT_SEVERITIES:
            Severity.objects.get_or_create(
                rank=rank,
                defaults={
                    "name": name,
                    "label": label,
                    "description": description,
                    "ack_target": timedelta(minutes=ack_minutes),
                    "postmortem_required": postmortem,
                    "postmortem_within_hours": 48,
                },
            )
        for slug, name, description, rank in DEFAULT_ROLES:
            Role.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "rank": rank}
            )
        group_permissions_grant("incidents", responder=RESPONDER_PERMISSIONS)
