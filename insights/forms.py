"""The filters of /insights/ (and of its CSV downloads): a bad value is a 400 naming it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from core.ui import Form
from insights.selectors import LONGEST_RANGE, InsightFilters, service_options, severity_options

DEFAULT_WEEKS = 12


def default_range(today: date) -> tuple[date, date]:
    """The last twelve whole weeks and this one: Monday eleven weeks before this week's."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), today


class InsightFilterForm(Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )
    severity = forms.TypedMultipleChoiceField(
        choices=(), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    service = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data: Any, *, today: date) -> None:
        super().__init__(data)
        self.today = today
        self.fields["severity"].choices = severity_options()
        self.fields["service"].choices = service_options()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first_default, last_default = default_range(self.today)
        start, end = data.get("start"), data.get("end")
        if start is None and end is not None:
            start = end - (last_default - first_default)
        start, end = start or first_default, end or last_default
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            raise forms.ValidationError("The range ends before it starts.", code="reversed")
        if end - start > LONGEST_RANGE:
            raise forms.ValidationError(
                f"The range may span at most {LONGEST_RANGE.days} days.", code="too_long"
            )
        data["start"], data["end"] = start, end
        return data

    def to_filters(self) -> InsightFilters:
        """The cleaned filters (call after `is_valid()` returned True)."""
        data = self.cleaned_data
        return InsightFilters(
            first_day=data["start"],
            last_day=data["end"],
            zone=timezone.get_current_timezone(),
            severity_ranks=tuple(data.get("severity") or ()),
            service_slugs=tuple(data.get("service") or ()),
        )
