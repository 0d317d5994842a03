"""Secrets that travel in URLs never reach a log line in full.

Intake keys may sit in a webhook URL (`/hooks/alertmanager/<key>`), calendar feed tokens in an
iCal URL, and any `key=` / `token=` query parameter. Every log line Firebell writes passes
`SecretMaskingFilter` (settings.LOGGING, on the handlers, so django.request, django.server and
Celery lines are covered alike); gunicorn's access log masks the same way through
`firebell.access_log` (its own loggers bypass ours). What remains of a secret is its first
four characters, enough to tell two senders apart.
"""

from __future__ import annotations

import logging
import re

KEPT = 4
MASK = "…"

# A path segment after these prefixes is a secret.
_SECRET_SEGMENT = re.compile(
    r"(?P<lead>/hooks/(?:alertmanager|grafana|generic)/|/ical/(?:schedule|user)/)"
    r"(?P<secret>[^/\s?#\"']+)"
)
# ... and so is the value of these query parameters.
_SECRET_PARAMETER = re.compile(
    r"(?P<lead>[?&](?:key|token|routing_key|api_key|access_token|code)=)(?P<secret>[^&\s#\"']+)",
    re.IGNORECASE,
)


def _shorten(match: re.Match) -> str:
    secret = match.group("secret")
    if len(secret) <= KEPT:
        return f"{match.group('lead')}{MASK}"
    return f"{match.group('lead')}{secret[:KEPT]}{MASK}"


def secrets_mask(text: str) -> str:
    """`text` with every URL secret cut to its first four characters. Idempotent."""
    if "/" not in text and "=" not in text:
        return text
    return _SECRET_PARAMETER.sub(_shorten, _SECRET_SEGMENT.sub(_shorten, text))


_plain = logging.Formatter()


class SecretMaskingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) with `secrets_mask`; never drops one.

    Attached to handlers rather than loggers, so records propagated from any logger (django.request
    logs "Not Found: /hooks/grafana/<key>") pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the formatter's own error handling
            return True
        masked = secrets_mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatted here (the handler's formatter reuses exc_text) so a traceback that quotes
            # a URL is masked too.
            record.exc_text = _plain.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = secrets_mask(record.exc_text)
        return True
