"""Forms of the integrations pages: they parse what the browser sends; alerts.services decides."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms

from alerts.models import IntegrationKind
from core import clock
from core.ui import Form
from incidents.models import Service, Severity
from incidents.selectors import severity_default

MAINTENANCE_DURATIONS = [
    ("30", "30 minutes"),
    ("60", "1 hour"),
    ("120", "2 hours"),
    ("240", "4 hours"),
    ("480", "8 hours"),
    ("1440", "24 hours"),
    ("", "Until a time…"),
]


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.name} {obj.label}"


def _severity_field(**kwargs: Any) -> SeverityChoiceField:
    return SeverityChoiceField(
        queryset=Severity.objects.order_by("rank"), empty_label=None, **kwargs
    )


class IntegrationCreateForm(Form):
    name = forms.CharField(max_length=120, help_text="Unique per service, e.g. prod-alertmanager.")
    kind = forms.ChoiceField(choices=IntegrationKind.choices, label="Sends as")
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("name"), empty_label="Choose a service…"
    )
    default_severity = _severity_field(
        help_text="Used when an alert's severity label is missing or unknown."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = severity_default()
        if default is not None:
            self.fields["default_severity"].initial = default.pk


class IntegrationSettingsForm(Form):
    name = forms.CharField(max_length=120)
    default_severity = _severity_field()
    severity_label = forms.CharField(max_length=60, help_text="Label whose value picks it.")
    severity_mapping = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, label value = severity (e.g. critical = SEV-1). Added to the "
        "defaults: critical/page → 1, error/high → 2, warning/medium → 3, info/low → 4.",
    )
    group_by_labels = forms.CharField(
        required=False,
        max_length=2000,
        label="Group by labels",
        help_text="Comma-separated, e.g. alertname, cluster. Empty: the format's default "
        "(groupKey, or dedup_key).",
    )
    auto_resolve = forms.BooleanField(
        required=False, label="Resolve the incident when all of its alerts have resolved"
    )

    @staticmethod
    def initial_for(integration: Any) -> dict[str, Any]:
        names = {severity.rank: severity.name for severity in Severity.objects.all()}
        mapping = "\n".join(
            f"{value} = {names.get(rank, rank)}"
            for value, rank in integration.severity_mapping.items()
        )
        return {
            "name": integration.name,
            "default_severity": integration.default_severity_id,
            "severity_label": integration.severity_label,
            "severity_mapping": mapping,
            "group_by_labels": ", ".join(integration.group_by_labels),
            "auto_resolve": integration.auto_resolve,
        }

    def clean_severity_mapping(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["severity_mapping"].splitlines(), 1):
            if not line.strip():
                continue
            value, sep, severity = line.partition("=")
            if not sep or not value.strip() or not severity.strip():
                raise forms.ValidationError(f"Line {number}: write it as value = severity.")
            mapping[value.strip()] = severity.strip()
        return mapping

    def clean_group_by_labels(self) -> list[str]:
        text = self.cleaned_data["group_by_labels"]
        return [label.strip() for label in text.split(",") if label.strip()]


class MaintenanceForm(Form):
    minutes = forms.ChoiceField(choices=MAINTENANCE_DURATIONS, required=False, label="For")
    until = forms.DateTimeField(
        required=False,
        label="Until",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the server's time zone.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        minutes, until = data.get("minutes"), data.get("until")
        if until is None and not minutes:
            if "until" not in self.errors:
                self.add_error("until", "Choose a duration or an end time.")
            return data
        data["end"] = until if until is not None else clock.now() + timedelta(minutes=int(minutes))
        return data

    @property
    def end(self) -> datetime:
        return self.cleaned_data["end"]
