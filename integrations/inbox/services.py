"""Writes of the inbox: reading messages, and acknowledging the incident a message pages for."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import clock
from incidents.models import Incident, Source
from incidents.services import incident_acknowledge
from integrations.inbox.models import InboxMessage


def inbox_message_read(*, message: InboxMessage, actor: AbstractBaseUser) -> InboxMessage:
    """Mark one of the actor's messages read. Idempotent: a read message keeps its time."""
    InboxMessage.objects.filter(pk=message.pk, user_id=actor.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )
    message.refresh_from_db(fields=["read_at"])
    return message


def inbox_read_all(*, actor: AbstractBaseUser) -> int:
    """Mark every unread message of the actor read; returns how many there were."""
    return InboxMessage.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )


def inbox_acknowledge(*, message: InboxMessage, actor: AbstractBaseUser) -> Incident:
    """Acknowledge the message's incident (the same service as every other interface) and mark
    every message of the actor about that incident read, in one transaction.

    Raises what `incident_acknowledge` raises: PermissionDeniedError for someone who may not
    respond, ConflictError when the incident is no longer triggered.
    """
    with transaction.atomic():
        incident = incident_acknowledge(incident=message.incident, actor=actor, source=Source.WEB)
        InboxMessage.objects.filter(
            user_id=actor.pk, incident_id=incident.pk, read_at__isnull=True
        ).update(read_at=clock.now())
    return incident
