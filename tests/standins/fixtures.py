"""The `standins` fixture: a recording HTTP server and SMTP server with every channel's
settings pointed at them. Import it into a conftest or test module to use it. At teardown it
fails the test if a stand-in received anything the test did not `take`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.standins.http import RecordingHTTPServer
from tests.standins.smtp import RecordingSMTPServer


@dataclass
class Standins:
    http: RecordingHTTPServer
    smtp: RecordingSMTPServer

    def emails_to(self, user) -> list:
        return self.smtp.take(to=user.email)

    def assert_nothing_unexpected(self) -> None:
        self.http.assert_nothing_unexpected()
        self.smtp.assert_nothing_unexpected()


@pytest.fixture
def standins(settings):
    http, smtp = RecordingHTTPServer().start(), RecordingSMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SLACK_API_URL = f"{http.url}/slack/api/"
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    settings.PAGERDUTY_EVENTS_URL = f"{http.url}/pagerduty"
    settings.PAGERDUTY_ROUTING_KEY = "R0UTINGKEY"
    settings.OUTGOING_WEBHOOK_URL = f"{http.url}/hook"
    settings.OUTGOING_WEBHOOK_SECRET = "webhook-secret"
    settings.SMS_API_URL = f"{http.url}/sms"
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = "AC123", "sms-secret"
    settings.SMS_FROM_NUMBER = "+15550000000"
    stand = Standins(http, smtp)
    yield stand
    try:
        stand.assert_nothing_unexpected()
    finally:
        http.stop()
        smtp.stop()
