"""Helpers shared by the outgoing notification channels (integrations/<kind>/channel.py).

The interface itself (`DeliveryResult`, the registry) lives in oncall/channels.py: the domain
owns it and never imports integrations.
"""

from __future__ import annotations

import httpx2

from oncall.channels import DeliveryResult


def http_result(response: httpx2.Response, *, provider: str) -> DeliveryResult:
    """2xx ok; 408, 429 and 5xx transient; any other answer permanent (it will never succeed)."""
    short = {"status": response.status_code, "body": response.text[:500]}
    if response.is_success:
        return DeliveryResult(ok=True, provider_response=short)
    transient = response.status_code in (408, 429) or response.status_code >= 500
    return DeliveryResult(
        ok=False,
        permanent=not transient,
        provider_response=short,
        error=f"{provider} answered HTTP {response.status_code}",
    )


def network_failure(exc: Exception, *, provider: str) -> DeliveryResult:
    """A connection or timeout error: transient. The message names no URL (it may hold secrets)."""
    return DeliveryResult(ok=False, permanent=False, error=f"{provider}: {type(exc).__name__}")
