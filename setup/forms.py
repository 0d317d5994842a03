"""Set-up forms: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from core.ui import Form
from setup.selectors import policy_choices
from setup.services import ROLES

ROLE_CHOICES = [(role, role) for role in ROLES]


class PolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ServiceForm(Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_team = forms.CharField(required=False, max_length=120, label="Owning team")
    escalation_policy = PolicyChoiceField(
        queryset=policy_choices(),
        required=False,
        empty_label="— nobody is paged —",
        help_text="Who is paged, in what order, when an incident affects this service.",
    )
    owners = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    slack_channel = forms.CharField(required=False, max_length=80, label="Slack channel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["escalation_policy"].queryset = policy_choices()
        self.fields["owners"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        self.fields["owners"].label_from_instance = lambda u: u.get_full_name() or u.username

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("owners")
        return data


class MaintenanceForm(Form):
    minutes = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (30, "30 minutes"),
            (60, "1 hour"),
            (240, "4 hours"),
            (1440, "24 hours"),
            (0, "End now"),
        ],
        label="Maintenance",
    )


class InviteForm(Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="Responder")


class RoleForm(Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class AcceptForm(Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput, min_length=1)
