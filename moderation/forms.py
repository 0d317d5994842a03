"""Browser forms of the moderation screens: they parse input; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ui import Form
from moderation.models import Action, Category, Policy
from moderation.services.decisions import DecisionTerms


class DecisionForm(Form):
    action = forms.ChoiceField(choices=Action.choices)
    reason = forms.CharField(required=False, max_length=4000, label=_("Reason"))
    policy = forms.ModelChoiceField(
        queryset=Policy.objects.all(), to_field_name="slug", required=False, label=_("Policy")
    )
    message = forms.CharField(required=False, max_length=4000, label=_("Message to the user"))
    internal_note = forms.CharField(required=False, max_length=4000, label=_("Internal note"))
    days = forms.IntegerField(required=False, min_value=1, max_value=3650, label=_("Days"))
    permanent = forms.BooleanField(required=False, label=_("Permanent"))

    def terms(self) -> DecisionTerms:
        data = self.cleaned_data
        return DecisionTerms(
            action=data["action"],
            reason=data["reason"],
            policy=data["policy"],
            message=data["message"],
            internal_note=data["internal_note"],
            days=data["days"],
            permanent=data["permanent"],
        )


class BulkForm(DecisionForm):
    item = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    all_matching = forms.BooleanField(required=False, label=_("Everything matching the filter"))
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].valid_value = lambda value: str(value).isdigit()

    def terms(self) -> DecisionTerms:
        terms = super().terms()
        if terms.action == "warn" and not terms.message:
            # The bulk bar has one text field: for a warning it is the message to the users.
            return DecisionTerms(**{**terms.__dict__, "message": terms.reason})
        return terms


class FilterForm(Form):
    category = forms.ChoiceField(
        required=False, choices=[("", _("Any category")), *Category.choices], label=_("Category")
    )
    content_type = forms.CharField(required=False, max_length=40, label=_("Content type"))
    user_id = forms.CharField(required=False, max_length=120, label=_("User id"))
    min_reports = forms.IntegerField(required=False, min_value=0, label=_("At least … reports"))
    breached = forms.BooleanField(required=False, label=_("Past response target"))


class CsvForm(Form):
    file = forms.FileField(label=_("CSV file (content_id,action,reason[,policy][,days])"))


class LiftForm(Form):
    reason = forms.CharField(max_length=4000, label=_("Reason for lifting"))
