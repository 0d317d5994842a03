"""The contract between inbound alert parsers (in `integrations/`) and alert intake.

A parser turns one webhook payload into a list of `AlertSignal`s, touching no database, or
raises `PayloadError` naming the field and the reason.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

SignalStatus = Literal["firing", "resolved", "acknowledged"]


class PayloadError(Exception):
    """The payload can never be processed; `field` is a dotted path such as `alerts[2].labels`."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class AlertSignal:
    fingerprint: str
    group_key: str
    status: SignalStatus
    title: str
    group_title: str = ""
    description: str = ""
    severity: str | None = None
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    starts_at: str | None = None  # ISO 8601; None when the source gave no time
    ends_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        # Shallow: the values are already JSON types, and asdict() deep-copies every alert's
        # raw payload on the request path.
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlertSignal:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})
