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
from markupsafe import Markup


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
    # The same new-style semantics as jinja2.ext.i18n's (the translation is trusted markup, its
    # %(name)s values are escaped), as plain functions: the extension's versions take the
    # template context and cost a third of the incident page's function calls (docs/ui.md).
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.globals.update(template_helpers.GLOBALS)
    env.filters.update(template_helpers.FILTERS)
    return env


def gettext(message: str, **variables: Any) -> Markup:
    return Markup(translation.gettext(message)) % variables


def ngettext(singular: str, plural: str, count: int, **variables: Any) -> Markup:
    variables.setdefault("num", count)
    return Markup(translation.ngettext(singular, plural, count)) % variables
