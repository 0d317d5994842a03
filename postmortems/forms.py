"""Browser forms of post-mortems and action items: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from core.ui import Form
from incidents.forms import UserChoiceField
from incidents.selectors import service_list, severity_list
from postmortems.models import ActionItemPriority, ActionItemStatus, PostmortemStatus
from postmortems.selectors import ActionItemFilters, PostmortemFilters, responders


class SectionForm(Form):
    body = forms.CharField(required=False, widget=forms.Textarea)
    base_version = forms.IntegerField(min_value=1, label="Version")


class CommentForm(Form):
    body = forms.CharField(label="Comment", max_length=5000)


class TimelineEntryForm(Form):
    text = forms.CharField(required=False, max_length=2000)
    is_key = forms.NullBooleanField(required=False)
    hidden = forms.NullBooleanField(required=False)


class TimelineAddForm(Form):
    occurred_at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    text = forms.CharField(label="What happened", max_length=2000)
    who = forms.CharField(label="Who", max_length=150, required=False)


class SubmitForm(Form):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=responders(), widget=forms.CheckboxSelectMultiple
    )


class ReviewForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("changes", "Request changes")])
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(Form):
    reason = forms.CharField(max_length=500)


class OwnerForm(Form):
    owner = UserChoiceField(queryset=responders())


class ActionItemForm(Form):
    title = forms.CharField(max_length=200)
    owner = UserChoiceField(queryset=get_user_model().objects.filter(is_active=True))
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due"
    )
    priority = forms.ChoiceField(choices=ActionItemPriority.choices, initial="medium")
    ticket_url = forms.URLField(required=False, label="Ticket URL", assume_scheme="https")


class ActionItemStatusForm(Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


def _values(data, name: str) -> tuple[str, ...]:
    return tuple(value for value in data.getlist(name) if value)


def postmortem_filters(data) -> PostmortemFilters:
    """Filters from the query string; unknown values are ignored (a bookmark never breaks)."""
    ranks = {str(s.rank) for s in severity_list()}
    return PostmortemFilters(
        statuses=tuple(s for s in _values(data, "status") if s in PostmortemStatus.values),
        severity_ranks=tuple(int(r) for r in _values(data, "severity") if r in ranks),
        service_slugs=_values(data, "service"),
        overdue=data.get("overdue") == "1",
        owner_usernames=_values(data, "author"),
        text=data.get("q", "")[:200],
    )


def action_item_filters(data, user) -> ActionItemFilters:
    owners = tuple(user.get_username() if o == "me" else o for o in _values(data, "owner"))
    return ActionItemFilters(
        owner_usernames=owners,
        statuses=tuple(s for s in _values(data, "status") if s in ActionItemStatus.values),
        service_slugs=_values(data, "service"),
        overdue=data.get("overdue") == "1",
    )


def filter_choices() -> dict:
    return {
        "severities": list(severity_list()),
        "services": list(service_list()),
        "people": list(responders()),
        "statuses": PostmortemStatus.choices,
        "item_statuses": ActionItemStatus.choices,
    }
