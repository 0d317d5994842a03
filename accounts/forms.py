from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accounts.selectors import ACTION_NAMES, AuditFilters
from core.ui import Form


class AuditFilterForm(Form):
    actor = forms.CharField(required=False, max_length=150, label="Who (username)")
    kind = forms.ChoiceField(required=False, label="What")
    action = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any change"), *((value, name) for value, name in ACTION_NAMES.items())],
    )
    q = forms.CharField(required=False, max_length=200, label="Name contains")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Anything"), *kinds]

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "Must not be before From.")
        return data

    def filters(self) -> AuditFilters:
        """The valid form as selector filters; dates are whole days in the viewer's zone."""
        data = self.cleaned_data

        def start_of(day, extra_days: int = 0) -> datetime | None:
            if day is None:
                return None
            moment = datetime.combine(day + timedelta(days=extra_days), time.min)
            return timezone.make_aware(moment)

        return AuditFilters(
            actor=data.get("actor", "").strip(),
            kind=data.get("kind", ""),
            action=data.get("action"),
            text=data.get("q", "").strip(),
            since=start_of(data.get("since")),
            until=start_of(data.get("until"), 1),
        )


class ConfirmForm(Form):
    token = forms.CharField(
        label="Code from the app",
        max_length=10,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
