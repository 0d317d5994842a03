"""The check form: parses what the browser sends (seconds as numbers); services decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from checks.models import Check, CheckKind, JsonRule
from core.ui import Form
from incidents.models import Service

SECONDS = {"min_value": 1, "max_value": 31 * 24 * 3600}


class CheckForm(Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=CheckKind.choices, label="Kind")
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("name"),
        empty_label="Choose a service…",
        help_text="A down check opens an alert (and pages) on this service.",
    )
    period = forms.IntegerField(
        **SECONDS,
        initial=300,
        label="Period (s)",
        help_text="Heartbeat: a ping is expected this often.",
    )
    grace = forms.IntegerField(
        min_value=0,
        max_value=31 * 24 * 3600,
        initial=60,
        label="Grace (s)",
        help_text="Heartbeat: how late a ping may be before the check is down.",
    )
    url = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=1000,
        label="URL",
        help_text="HTTP: polled with GET.",
    )
    interval = forms.IntegerField(**SECONDS, initial=60, label="Interval (s)")
    timeout = forms.IntegerField(**SECONDS, initial=10, label="Timeout (s)")
    expected_status = forms.IntegerField(min_value=100, max_value=599, initial=200)
    json_rule = forms.ChoiceField(choices=JsonRule.choices, required=False, label="JSON rule")
    json_field = forms.CharField(
        required=False, max_length=200, label="JSON field", help_text="Dotted path, e.g. status"
    )
    json_value = forms.CharField(
        required=False, max_length=200, label="Expected value", help_text="e.g. healthy"
    )
    failures_to_alert = forms.IntegerField(
        min_value=1, max_value=100, initial=1, label="Failures before alerting"
    )
    successes_to_recover = forms.IntegerField(
        min_value=1, max_value=100, initial=1, label="Successes to recover"
    )

    DURATIONS = ("period", "grace", "interval", "timeout")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]  # a check keeps its kind

    @classmethod
    def initial_for(cls, check: Check) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: getattr(check, name) for name in cls.base_fields if name != "service"
        }
        values["service"] = check.service_id
        for name in cls.DURATIONS:
            values[name] = int(getattr(check, name).total_seconds())
        return values

    def service_values(self) -> dict[str, Any]:
        """cleaned_data as checks.services takes it (durations as timedelta)."""
        values = dict(self.cleaned_data)
        for name in self.DURATIONS:
            values[name] = timedelta(seconds=values[name])
        values["url"] = values.get("url") or ""
        return values
