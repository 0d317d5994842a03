"""Forms of the incident page's status-page panel: parse; statuspage.services decides."""

from __future__ import annotations

from django import forms

from core.ui import Form
from statuspage.models import Component, PublicStatus


class PublicUpdateForm(Form):
    status = forms.ChoiceField(choices=PublicStatus.choices)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label="Public text"
    )


class PublishForm(PublicUpdateForm):
    title = forms.CharField(max_length=200, label="Public title")
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.order_by("order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Affected components",
    )

    field_order = ["title", "components", "status", "body"]


class SubscribeForm(Form):
    email = forms.EmailField(max_length=254, label="E-mail address")
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.all(), required=False, label="Components"
    )
