"""E-mail channel against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

from incidents.models import TimelineEvent
from oncall.models import Page, PageStatus
from tests.oncall.conftest import declare, person, policy_of
from tests.standins import fixtures

standins = fixtures.standins


def test_a_page_is_emailed_with_the_incident_in_subject_and_a_link(standins, db):
    erin = person("erin-email")
    declare(policy_of("Mail", (5, [erin])), title="Payments down")
    [message] = standins.emails_to(erin)
    assert message["Subject"] == "[SEV-1] #1 Payments down"
    assert "/incidents/1/" in message.get_content()
    assert message["X-Firebell-Page"] == str(Page.objects.get().pk)


def test_a_refused_recipient_fails_the_page_for_good(standins, db):
    standins.smtp.refused.add("gone@example.com")
    gone = person("gus-gone", high=(("email", 0, "gone@example.com"),))
    incident = declare(policy_of("Mail", (5, [gone])))
    page = Page.objects.get()
    assert page.status == PageStatus.FAILED
    assert page.attempts == 1
    assert TimelineEvent.objects.filter(incident=incident, kind="page.failed").exists()


def test_an_unreachable_smtp_server_is_a_transient_failure(standins, db, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    erin = person("erin-email")
    declare(policy_of("Mail", (5, [erin])))
    page = Page.objects.get()
    assert page.status == PageStatus.PENDING
    assert "Error" in page.last_error
