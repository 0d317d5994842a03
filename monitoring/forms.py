from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from core.ui import Form


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class SelfTestForm(Form):
    target = PersonChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        empty_label="Choose a person…",
        label="Page",
        help_text="Paged now through their own notification rules.",
    )
