"""The Jinja2 environment every page of the app is rendered with (templates/jinja2/).

Chosen by measurement (docs/ui.md): Django's engine spent ~6 µs per `{{ value }}` and set the
board's and the incident page's server time. The Django admin and the API docs pages stay Django
templates. Strict: an undefined name is an error, not an empty string, so a typo fails the tests.
Translation-ready: `{% trans %}` and `_()` go to Django's gettext (jinja2.ext.i18n, new style, so
`_("…%(name)s…", name=…)` escapes and formats). The helpers templates call are the plain
functions of `core.template_helpers`, registered here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from jinja2 import Environment, StrictUndefined


def environment(**options: Any) -> Environment:
    # Imported here: Django builds the environment at the first render, once the apps are ready.
    from core import template_helpers

    options["undefined"] = StrictUndefined
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)
    env.install_gettext_callables(  # type: ignore[attr-defined]  (added by jinja2.ext.i18n)
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(template_helpers.GLOBALS)
    env.filters.update(template_helpers.FILTERS)
    return env
