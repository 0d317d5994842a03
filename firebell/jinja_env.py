"""The Jinja2 environment, used for the screens whose server time is watched (docs/benchmarks.md).

The board (one card per open incident), the incident page's regions and its timeline (up to
300 entries), and the top bar of every page spent most of their server time in Django's template
engine, ~6 µs per
`{{ variable }}` and ~0.1 ms per `{% url %}`; Jinja2 compiles a template to Python and renders
the same markup several times faster. Every other screen stays in Django templates, and the full
pages still extend Django's `base.html`: the Jinja2 part is passed to it as one safe string.
An undefined name is an error rather than an empty string, so a typo fails the tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import Truncator
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape


def environment(**options: Any) -> Environment:
    # The UI's filters live with the Django tags that do the same (imported here, once the
    # apps are ready: Django builds this environment at the first Jinja2 render).
    from core.links import url
    from incidents.templatetags import firebell_ui

    options["undefined"] = StrictUndefined
    env = Environment(**options)
    env.globals.update(
        url=url,
        ack_countdown=firebell_ui.ack_countdown,
        stage_duration=firebell_ui.stage_duration,
    )
    env.filters.update(
        duration=firebell_ui.duration,
        since=firebell_ui.since,
        severity_class=firebell_ui.severity_class,
        linebreaksbr=linebreaksbr,
        time_tag=time_tag,
        truncatechars=truncatechars,
    )
    return env


def render_jinja(request: Any, template_name: str, context: dict[str, Any]) -> str:
    """A template from templates/jinja2/, with `request`, `csrf_input` and `csrf_token`."""
    from django.template import engines

    return engines["jinja2"].get_template(template_name).render(context, request)


def linebreaksbr(text: str) -> Markup:
    """Django's `linebreaksbr`: escaped, line breaks as <br>."""
    escaped = str(escape(text)).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(escaped.replace("\n", "<br>"))


def time_tag(moment: datetime, time_format: str = "%H:%M") -> Markup:
    """<time> in the current time zone, with the full ISO 8601 moment for machines and tooltips."""
    local = timezone.localtime(moment)
    return Markup('<time datetime="{}">{}</time>').format(
        local.isoformat(), local.strftime(time_format)
    )


def truncatechars(text: str, length: int) -> str:
    return Truncator(text).chars(length)
