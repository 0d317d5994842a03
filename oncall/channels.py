"""The notification channel interface and its lazy registry.

A channel is an object (or module) with `send(page) -> DeliveryResult`, and optionally
`sync(page, action) -> DeliveryResult` for providers that keep their own incident state
(PagerDuty: "acknowledge", "resolve"). Channels live in `integrations/<kind>/` and are named by
dotted path in settings.FIREBELL_NOTIFICATION_CHANNELS; oncall never imports them directly.
A channel must not raise for provider errors: it returns DeliveryResult(ok=False, permanent=…).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from oncall.models import Page


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    permanent: bool = False
    provider_response: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class Channel(Protocol):
    def send(self, page: Page) -> DeliveryResult: ...


class UnknownChannelError(LookupError):
    pass


@cache
def _load(dotted_path: str) -> Channel:
    loaded = import_string(dotted_path)
    return loaded() if isinstance(loaded, type) else loaded


def channel_get(name: str) -> Channel:
    """The channel registered as `name`; raises UnknownChannelError if there is none."""
    registry: dict[str, str] = getattr(settings, "FIREBELL_NOTIFICATION_CHANNELS", {})
    if name not in registry:
        raise UnknownChannelError(f"No notification channel {name!r} in settings.")
    return _load(registry[name])


def channel_names() -> list[str]:
    return sorted(getattr(settings, "FIREBELL_NOTIFICATION_CHANNELS", {}))
