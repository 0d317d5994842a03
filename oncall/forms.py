"""Browser forms for on-call: they parse and validate input; the services decide what is allowed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone

from core import clock
from core.ui import Form
from incidents.forms import UserChoiceField, responder_choices
from oncall.models import EscalationPolicy, Schedule, TargetKind, Urgency
from oncall.services.policies import MAX_DELAY, MAX_REPEAT
from oncall.services.rules import MAX_RULE_DELAY_MINUTES

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
OVERRIDE_REACH = timedelta(days=5 * 366)


def _local_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)


class OverrideForm(Form):
    """Times are read in the schedule's time zone (a time that does not exist there, or exists
    twice, on a DST change is refused with a message)."""

    user = UserChoiceField(queryset=responder_choices(), label="Who covers")
    start_at = forms.DateTimeField(label="From", widget=_local_input())
    end_at = forms.DateTimeField(label="Until", widget=_local_input())

    def __init__(self, *args: Any, schedule: Schedule, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(schedule.time_zone)
        self.fields["user"].queryset = responder_choices()
        self.fields["user"].error_messages["required"] = "Choose who covers the shift."

    def full_clean(self) -> None:
        with timezone.override(self.tz):
            super().full_clean()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_at"), data.get("end_at")
        now = clock.now()
        for name in ("start_at", "end_at"):
            moment = data.get(name)
            # Far-off years would overflow on the way to UTC; nobody plans cover that far.
            if moment and not now - OVERRIDE_REACH <= moment <= now + OVERRIDE_REACH:
                self.add_error(name, "Choose a time within five years from now.")
        if start and end and end <= start:
            self.add_error("end_at", "The override must end after it starts.")
        return data


class PolicyForm(Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    repeat = forms.IntegerField(
        min_value=0,
        max_value=MAX_REPEAT,
        initial=0,
        help_text="How many more times every level is paged again if nobody acknowledges.",
    )

    @classmethod
    def for_policy(cls, policy: EscalationPolicy) -> PolicyForm:
        return cls(
            initial={
                "name": policy.name,
                "description": policy.description,
                "repeat": policy.repeat,
            }
        )


class LevelForm(Form):
    delay_minutes = forms.IntegerField(
        min_value=0,
        max_value=int(MAX_DELAY.total_seconds() // 60),
        initial=5,
        label="Wait (minutes)",
        help_text="Before the next level if nobody acknowledged.",
    )
    is_team_lead = forms.BooleanField(required=False, label="Team-lead level (gets reminders)")

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["delay_minutes"])


class TargetForm(Form):
    kind = forms.ChoiceField(choices=TargetKind.choices, label="Target")
    user = UserChoiceField(queryset=responder_choices(), required=False, label="Person")
    schedule = forms.ModelChoiceField(
        queryset=Schedule.objects.all(), required=False, to_field_name="slug"
    )
    slack_channel = forms.CharField(required=False, max_length=80, label="Slack channel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = responder_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        needed = {
            TargetKind.USER: ("user", "Choose the person to page."),
            TargetKind.SCHEDULE: ("schedule", "Choose the schedule whose on-call person is paged."),
            TargetKind.SLACK_CHANNEL: ("slack_channel", "Name the Slack channel."),
        }.get(data.get("kind"))
        if needed and not data.get(needed[0]) and needed[0] not in self.errors:
            self.add_error(needed[0], needed[1])
        return data


def channel_choices() -> list[tuple[str, str]]:
    labels = {"email": "E-mail", "sms": "SMS", "voice": "Voice call", "pagerduty": "PagerDuty"}
    return [
        (name, labels.get(name, name.capitalize()))
        for name in getattr(settings, "FIREBELL_NOTIFICATION_CHANNELS", {})
    ]


class NotificationRuleForm(Form):
    urgency = forms.ChoiceField(choices=Urgency.choices)
    channel = forms.ChoiceField(choices=())
    delay_minutes = forms.IntegerField(
        min_value=0, max_value=MAX_RULE_DELAY_MINUTES, initial=0, label="After (minutes)"
    )
    address = forms.CharField(
        required=False,
        max_length=500,
        help_text="Phone number for SMS/voice; blank uses your e-mail or Slack account.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channel_choices()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "urgency": data["urgency"],
            "channel": data["channel"],
            "delay_minutes": data["delay_minutes"],
            "address": data["address"],
        }


class ReassignForm(Form):
    user = UserChoiceField(queryset=responder_choices(), required=False, label="Person")
    schedule = forms.ModelChoiceField(
        queryset=Schedule.objects.all(), required=False, to_field_name="slug"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = responder_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and bool(data.get("user")) == bool(data.get("schedule")):
            raise forms.ValidationError("Choose a person or a schedule (one of them).")
        return data


class PageResponderForm(Form):
    user = UserChoiceField(queryset=responder_choices(), label="Person to page")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = responder_choices()
        self.fields["user"].error_messages["required"] = "Choose the person to page."


# --- schedule set-up (admins) -------------------------------------------------------------------

WEEKDAY_CHOICES = [
    ("0", "Mon"),
    ("1", "Tue"),
    ("2", "Wed"),
    ("3", "Thu"),
    ("4", "Fri"),
    ("5", "Sat"),
    ("6", "Sun"),
]
PARTICIPANT_SLOTS = 6


class ScheduleForm(Form):
    name = forms.CharField(max_length=120)
    time_zone = forms.CharField(
        max_length=64,
        initial="UTC",
        help_text="An IANA name, e.g. Europe/Berlin or America/New_York.",
    )
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RotationForm(Form):
    """One layer: who takes turns (in the order of the slots), how long a shift is, when the
    first starts and hands off (wall clock in the schedule's zone), and on which days."""

    name = forms.CharField(max_length=120, required=False, label="Layer name")
    layer = forms.IntegerField(min_value=1, max_value=99, initial=1, help_text="Higher wins.")
    shift_kind = forms.ChoiceField(
        choices=[("weekly", "Weekly"), ("daily", "Daily"), ("hours", "Every N hours")],
        label="Shift length",
    )
    shift_hours = forms.IntegerField(
        min_value=1, max_value=336, initial=12, required=False, label="Hours (N-hour shifts)"
    )
    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="First shift on"
    )
    handoff_time = forms.TimeField(
        initial="09:00", widget=forms.TimeInput(attrs={"type": "time"}), label="Handoff time"
    )
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only on",
        help_text="Leave all unticked for every day; e.g. Mon to Fri for weekdays only.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, PARTICIPANT_SLOTS + 1):
            field = UserChoiceField(
                queryset=responder_choices(), required=False, label=f"Participant {slot}"
            )
            self.fields[f"participant_{slot}"] = field

    @property
    def participant_fields(self) -> list:
        return [self[f"participant_{slot}"] for slot in range(1, PARTICIPANT_SLOTS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        people = [data.get(f"participant_{slot}") for slot in range(1, PARTICIPANT_SLOTS + 1)]
        data["participants"] = [person for person in people if person is not None]
        if not data["participants"]:
            self.add_error("participant_1", "Choose at least one person.")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "layer": data["layer"],
            "shift_kind": data["shift_kind"],
            "shift_hours": data.get("shift_hours") or 24,
            "start_date": data["start_date"],
            "handoff_time": data["handoff_time"],
            "weekdays": [int(day) for day in data["weekdays"]],
            "participants": data["participants"],
        }

    @classmethod
    def for_rotation(cls, rotation) -> RotationForm:
        initial = {
            "name": rotation.name,
            "layer": rotation.layer,
            "shift_kind": rotation.shift_kind,
            "shift_hours": rotation.shift_hours,
            "start_date": rotation.start_date,
            "handoff_time": rotation.handoff_time,
            "weekdays": list(rotation.weekdays),
        }
        for slot, participant in enumerate(rotation.participants.all(), start=1):
            initial[f"participant_{slot}"] = participant.user_id
        return cls(initial=initial, prefix=f"r{rotation.pk}")


class SwapForm(OverrideForm):
    """Ask someone to take your on-call time: who, from, until (in the schedule's zone)."""

    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].label = "Who takes it"
        self.fields["user"].error_messages["required"] = "Choose who takes your shift."
