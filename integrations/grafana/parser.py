"""Grafana Alerting webhook contact point ("version": "1") to alert signals.

Grafana sends Alertmanager's fields plus `title`, `message`, `state`, and per alert the
dashboard, panel and silence URLs and the evaluated `values`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from alerts.types import AlertSignal
from integrations.alertmanager.parser import parse_group
from integrations.inbound import link, optional_string, require_object

EXTRA_LINKS = (("dashboardURL", "Dashboard"), ("panelURL", "Panel"), ("silenceURL", "Silence"))
STATE_PREFIX = re.compile(r"^\[(FIRING|RESOLVED)(:\d+)?\]\s*")


def parse(payload: Any) -> list[AlertSignal]:
    payload = require_object(payload, "body")
    title = STATE_PREFIX.sub("", optional_string(payload, "title", "title", max_length=1000))
    signals = []
    for index, (alert, signal) in enumerate(parse_group(payload, title=title)):
        links = list(signal.links)
        for key, text in EXTRA_LINKS:
            extra = link(alert.get(key), text, f"alerts[{index}].{key}")
            if extra:
                links.append(extra)
        values = alert.get("values")
        description = signal.description
        if isinstance(values, dict) and values:
            shown = ", ".join(f"{name}={value}" for name, value in list(values.items())[:10])
            description = f"{description}\nValues: {shown}".strip()
        signals.append(dataclasses.replace(signal, links=links, description=description))
    return signals
