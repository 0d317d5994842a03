"""Firebell's self-test: a real incident (lowest severity, no policy paging) that pages one chosen
person through their own notification rules, so every hop — incident, escalation, the queue,
the worker, the channel, the person acknowledging — is exercised and timed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import clock
from core.errors import PermissionDeniedError
from incidents import services as incident_services
from incidents.models import Severity, Source
from monitoring.models import SelfTest
from oncall.services.escalation import page_extra_responder

START_PERMISSION = "monitoring.add_selftest"


def selftest_start(*, actor: AbstractBaseUser, target: AbstractBaseUser) -> SelfTest:
    """Declare the test incident and page `target` now (their rules, not a policy)."""
    if not actor.has_perm(START_PERMISSION):
        raise PermissionDeniedError("Only admins can start a self-test.")
    severity = Severity.objects.order_by("-rank").first()  # the least severe
    with transaction.atomic():
        incident = incident_services.incident_create(
            title=f"Firebell self-test: paging {target.get_username()}",
            severity=severity,
            actor=actor,
            source=Source.WEB,
            summary="A test started from the self-test screen. Acknowledge it, then resolve it.",
            paging=False,  # nobody on the services' policies: only the chosen person
            origin={"selftest": True},
        )
        selftest = SelfTest.objects.create(
            incident=incident, target=target, started_by=actor, started_at=clock.now()
        )
        page_extra_responder(incident=incident, user=target, actor=actor, source=Source.WEB)
    return selftest
