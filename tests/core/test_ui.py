"""The UI's shared plumbing (core/ui.py) and template helpers (core/template_helpers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import timezone

from core import template_helpers
from core.errors import ValidationError
from core.ui import Form, Registry, form_error, request_memo, safe_next


class _ThingForm(Form):
    delay_minutes = forms.IntegerField(min_value=0)
    eta = forms.CharField(label="ETA")

    def clean(self):
        data = super().clean()
        if data.get("eta") == "never":
            raise forms.ValidationError("Choose a person or a schedule.")
        return data


def test_a_form_error_names_the_field_by_its_label_and_keeps_every_reason():
    error = form_error(_ThingForm({"delay_minutes": "-1", "eta": ""}))
    assert isinstance(error, ValidationError)
    assert error.status_code == 400
    assert error.message == "Delay minutes: Ensure this value is greater than or equal to 0."
    assert error.errors == {
        "delay_minutes": ["Ensure this value is greater than or equal to 0."],
        "eta": ["This field is required."],
    }
    assert form_error(_ThingForm({"delay_minutes": "1", "eta": ""})).message.startswith("ETA: ")


def test_an_error_of_the_whole_form_is_its_reason_alone():
    error = form_error(_ThingForm({"delay_minutes": "1", "eta": "never"}))
    assert error.message == "Choose a person or a schedule."


def test_ui_forms_render_through_the_jinja2_form_renderer():
    html = str(_ThingForm()["eta"])
    assert html.startswith('<input type="text" name="eta"')
    assert type(_ThingForm().renderer).__name__ == "Jinja2"


@dataclass(frozen=True)
class _Item:
    name: str
    order: int = 100


def test_a_registry_orders_its_items_and_refuses_two_under_one_name():
    registry: Registry[_Item] = Registry("Thing")
    registry.register(_Item("b", 20))
    registry.register(_Item("a", 20))
    registry.register(_Item("c", 10))
    registry.register(_Item("c", 10))  # the same again (ready() run twice): nothing happens
    assert [item.name for item in registry] == ["c", "a", "b"]
    with pytest.raises(ImproperlyConfigured, match="Thing 'a' is registered twice"):
        registry.register(_Item("a", 30))


def test_a_request_memo_computes_once_per_request():
    request = RequestFactory().get("/")
    calls = []
    for _ in range(3):
        assert request_memo(request, "k", lambda: calls.append(1) or 42) == 42
    assert calls == [1]
    assert request_memo(RequestFactory().get("/"), "k", lambda: 7) == 7


def test_next_is_followed_only_within_this_site():
    factory = RequestFactory()
    assert safe_next(factory.post("/", {"next": "/incidents/3/"}), default="/") == "/incidents/3/"
    assert safe_next(factory.post("/", {"next": "https://evil.example/"}), default="/x/") == "/x/"


def test_times_are_shown_in_the_viewers_time_zone(settings):
    moment = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # a Friday, 09:00 in Paris
    settings.TIME_ZONE = "Europe/Paris"
    assert template_helpers.date(moment, "D H:i") == "Fri 09:00"
    assert template_helpers.date(moment, "c") == "2026-03-06T09:00:00+01:00"
    with timezone.override("America/New_York"):
        assert template_helpers.date(moment, "D H:i") == "Fri 03:00"


def test_durations_are_short_and_calm():
    assert [
        template_helpers.duration(timedelta(seconds=s)) for s in (45, 720, 11_100, 187_200)
    ] == ["45s", "12m", "3h 05m", "2d 4h"]
    assert template_helpers.duration(None) == "—"


def test_the_markup_macros_escape_the_text_and_keep_line_breaks_and_times_local(settings):
    from core.ui import jinja_environment

    settings.TIME_ZONE = "Europe/Paris"
    macros = jinja_environment().get_template("core/macros.html").module
    assert str(macros.lines("<b>a</b>\r\nb")) == "&lt;b&gt;a&lt;/b&gt;<br>b"
    moment = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
    assert str(macros.time(moment)) == '<time datetime="2026-03-06T09:00:00+01:00">09:00</time>'
