"""The Jinja2 environment, used only for partials that repeat one block hundreds of times.

The board (one card per open incident) and the incident timeline (up to 300 entries) spent most
of their server time in Django's template engine, ~6 µs per `{{ variable }}`; Jinja2 compiles a
template to Python and renders the same markup several times faster. Everything else stays in
Django templates. Values are computed by the views, so these templates need no tags or filters
of ours; an undefined name is an error rather than an empty string, so a typo fails the tests.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined


def environment(**options: Any) -> Environment:
    options["undefined"] = StrictUndefined
    return Environment(**options)
