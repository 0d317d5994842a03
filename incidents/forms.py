"""Browser forms: they parse and validate input; the services decide what is allowed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.ui import Form
from incidents.models import AssignmentKind, IncidentStatus, Role
from incidents.selectors import IncidentFilters, service_list, severity_list


def responder_choices() -> QuerySet:
    """Active users who may act on incidents: the people a role can be given to."""
    user_model = get_user_model()
    # Subqueries rather than joins + DISTINCT: the joined form took ~2 ms to plan and run, and
    # every incident page asks for this list.
    by_group = user_model.groups.through.objects.filter(
        group__permissions__codename="respond_incident"
    ).values("user_id")
    by_grant = user_model.user_permissions.through.objects.filter(
        permission__codename="respond_incident"
    ).values("user_id")
    return user_model.objects.filter(
        Q(is_superuser=True) | Q(pk__in=by_group) | Q(pk__in=by_grant), is_active=True
    ).order_by("username")


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} {obj.label} — {obj.description}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class DeclareForm(Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    severity = SeverityChoiceField(
        queryset=severity_list(), widget=forms.RadioSelect, empty_label=None
    )
    services = forms.ModelMultipleChoiceField(
        queryset=service_list(), required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is broken, what people see, what you know so far.",
    )
    commander = UserChoiceField(
        queryset=responder_choices(),
        required=False,
        label="Incident commander",
        help_text="Defaults to you.",
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commander"].queryset = responder_choices()
        if user.pk and not self.is_bound:
            self.initial.setdefault("commander", user.pk)
        self.fields["severity"].initial = severity_list().filter(rank=2).first()


class IncidentFilterForm(Form):
    q = forms.CharField(required=False, label="Search", help_text="Title, summary or #number")
    status = forms.MultipleChoiceField(
        choices=IncidentStatus.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    severity = forms.TypedMultipleChoiceField(
        choices=(), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    service = forms.ChoiceField(choices=(), required=False)
    commander = forms.ChoiceField(choices=(), required=False)
    created_after = forms.DateField(
        required=False, label="Declared from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = forms.DateField(
        required=False, label="Declared until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [
            (severity.rank, severity.name) for severity in severity_list()
        ]
        self.fields["service"].choices = [("", "Any service")] + [
            (service.slug, service.name) for service in service_list()
        ]
        self.fields["commander"].choices = [("", "Anyone")] + [
            (user.get_username(), user.get_full_name() or user.get_username())
            for user in responder_choices()
        ]

    def to_filters(self) -> IncidentFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return IncidentFilters(
            statuses=tuple(data.get("status") or ()),
            severity_ranks=tuple(data.get("severity") or ()),
            service_slugs=(data["service"],) if data.get("service") else (),
            commander_usernames=(data["commander"],) if data.get("commander") else (),
            text=data.get("q") or "",
            created_after=_day_start(data.get("created_after")),
            created_before=_day_start(data.get("created_before"), days=1),
        )


def _day_start(day, days: int = 0) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=days), time.min))


class TransitionForm(Form):
    note = forms.CharField(required=False, max_length=2000)


class SeverityForm(Form):
    severity = SeverityChoiceField(queryset=severity_list(), empty_label=None)


class RoleAssignForm(Form):
    role = forms.ModelChoiceField(queryset=Role.objects.all(), to_field_name="slug")
    kind = forms.ChoiceField(choices=AssignmentKind.choices, initial=AssignmentKind.PRIMARY)
    user = UserChoiceField(queryset=responder_choices(), required=False)
    me = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = responder_choices()

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("me") and not data.get("user"):
            raise forms.ValidationError("Choose who takes the role.")
        return data


class RoleUnassignForm(Form):
    role = forms.ModelChoiceField(queryset=Role.objects.all(), to_field_name="slug")
    kind = forms.ChoiceField(choices=AssignmentKind.choices)


class NoteForm(Form):
    text = forms.CharField(
        label="Add a note", max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StakeholderUpdateForm(Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}))
    impact = forms.CharField(required=False, max_length=2000)
    eta = forms.CharField(required=False, max_length=120, label="ETA")
