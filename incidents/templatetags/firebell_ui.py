"""Django template tags for the pages not yet moved to Jinja2 (on-call and integrations): the
same top bar and helpers as the Jinja2 pages, from core.ui and core.template_helpers.

Transitional: removed once every page is a Jinja2 template (issue 13).
"""

from __future__ import annotations

from django import template
from markupsafe import Markup

from core import template_helpers
from core.ui import render_to_string, topbar

register = template.Library()
register.filter("duration", template_helpers.duration)
register.filter("since", template_helpers.since)
register.filter("severity_class", template_helpers.severity_class)


@register.simple_tag(takes_context=True)
def topbar_html(context: template.Context) -> str:
    request = context.get("request")
    bar = topbar(request) if request is not None else None
    if bar is None:
        return ""
    # Rendered (and escaped) by Jinja2: Markup tells Django not to escape it again.
    return Markup(render_to_string(request, "core/topbar.html", {"bar": bar}))
