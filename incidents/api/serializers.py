"""Serializers of the incident API: input (request bodies, query strings) apart from output."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import clock
from core.api import CommaListField, InputSerializer, QuerySerializer
from incidents.models import (
    AssignmentKind,
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Service,
    Severity,
    StakeholderUpdate,
    TimelineEvent,
)
from incidents.selectors import incident_commander

MAX_TEXT = 20_000
SEVERITY_HELP = "A rank (1 is the most severe) or a name such as SEV-1."

# --- Input fields ---------------------------------------------------------------------------------


def severity_from(value: Any) -> Severity:
    """The severity named by a rank (`2`, `"2"`) or a name (`"SEV-2"`, any case)."""
    text = str(value).strip()
    if isinstance(value, bool) or not text or len(text) > 20:
        raise serializers.ValidationError(f"Unknown severity. {SEVERITY_HELP}")
    found = (
        Severity.objects.filter(rank=int(text)).first()
        if text.isascii() and text.isdigit() and len(text) <= 4
        else Severity.objects.filter(name__iexact=text).first()
    )
    if found is None:
        raise serializers.ValidationError(f"Unknown severity {text!r}. {SEVERITY_HELP}")
    return found


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": SEVERITY_HELP}
)
class SeverityField(serializers.Field):
    def to_internal_value(self, data: Any) -> Severity:
        if not isinstance(data, int | str):
            raise serializers.ValidationError(f"Unknown severity. {SEVERITY_HELP}")
        return severity_from(data)

    def to_representation(self, value: Severity) -> str:
        return value.name


class ServiceSlugsField(serializers.ListField):
    """A list of service slugs, resolved to services in one query; unknown slugs are refused."""

    child = serializers.SlugField(max_length=120)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Service]:
        slugs = list(dict.fromkeys(super().to_internal_value(data)))
        found = {service.slug: service for service in Service.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown services: {', '.join(missing)}.")
        return [found[slug] for slug in slugs]


def _active_users():
    return get_user_model().objects.filter(is_active=True)


def _text(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("max_length", MAX_TEXT)
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("trim_whitespace", False)
    return serializers.CharField(**kwargs)


# --- Input: incidents -----------------------------------------------------------------------------


class IncidentCreateInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    severity = SeverityField()
    summary = _text()
    customer_impact = _text()
    services = ServiceSlugsField(required=False, default=list)
    commander = serializers.SlugRelatedField(
        slug_field="username",
        queryset=_active_users(),
        required=False,
        allow_null=True,
        help_text="Username of the Incident Commander (primary).",
    )


class IncidentUpdateInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = _text()
    customer_impact = _text()
    services = ServiceSlugsField(required=False, help_text="Replaces the incident's services.")


class IncidentListQuerySerializer(QuerySerializer):
    status = CommaListField(
        child=serializers.ChoiceField(choices=IncidentStatus.choices),
        required=False,
        help_text="Repeat the parameter or separate with commas.",
    )
    severity = CommaListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text=f"{SEVERITY_HELP} Repeat the parameter or separate with commas.",
    )
    service = CommaListField(
        child=serializers.SlugField(max_length=120),
        required=False,
        help_text="Service slug. Repeat the parameter or separate with commas.",
    )
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,  # an empty search box means no search
        help_text="Text in the title or summary, or a number.",
    )
    created_after = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; inclusive."
    )
    created_before = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; exclusive."
    )
    open = serializers.BooleanField(
        required=False, default=False, help_text="Only triggered, acknowledged or mitigated."
    )

    def validate_severity(self, values: list[str]) -> list[int]:
        ranks = []
        for value in values:
            ranks.append(severity_from(value).rank)
        return ranks

    def validate_service(self, slugs: list[str]) -> list[str]:
        known = set(Service.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [slug for slug in slugs if slug not in known]
        if missing:
            raise serializers.ValidationError(f"Unknown services: {', '.join(missing)}.")
        return slugs

    def validate(self, attrs: dict) -> dict:
        after, before = attrs.get("created_after"), attrs.get("created_before")
        if after and before and after >= before:
            raise serializers.ValidationError(
                {"created_before": ["Must be later than created_after."]}
            )
        return attrs


class IncidentTransitionInputSerializer(InputSerializer):
    message = _text(help_text="Shown on the timeline.")


class IncidentReopenInputSerializer(InputSerializer):
    reason = _text(help_text="Why the incident is reopened; shown on the timeline.")


class IncidentSeverityInputSerializer(InputSerializer):
    severity = SeverityField()


class RoleAssignInputSerializer(InputSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", queryset=Role.objects.all())
    user = serializers.SlugRelatedField(slug_field="username", queryset=_active_users())
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, default=AssignmentKind.PRIMARY)


class RoleUnassignQuerySerializer(QuerySerializer):
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, default=AssignmentKind.PRIMARY)


class NoteInputSerializer(InputSerializer):
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=False)


class StakeholderUpdateInputSerializer(InputSerializer):
    body = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=False)
    impact = _text()
    eta = _text(max_length=120)


class TimelineQuerySerializer(QuerySerializer):
    kind = CommaListField(
        child=serializers.CharField(max_length=60),
        required=False,
        help_text="Event kind such as incident.note_added; repeat or separate with commas.",
    )
    order = serializers.ChoiceField(
        choices=["oldest", "newest"],
        default="oldest",
        help_text="oldest (default) or newest first.",
    )


# --- Input: services ------------------------------------------------------------------------------


class ServiceCreateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=120, required=False, help_text="Default: from name.")
    description = _text()
    owner_team = _text(max_length=120)
    slack_channel = _text(max_length=80)


class ServiceUpdateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    slug = serializers.SlugField(max_length=120, required=False)
    description = _text()
    owner_team = _text(max_length=120)
    slack_channel = _text(max_length=80)


# --- Output ---------------------------------------------------------------------------------------


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", read_only=True, **kwargs)


class SeverityOutputSerializer(serializers.ModelSerializer):
    ack_target_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Severity
        fields = [
            "rank",
            "name",
            "label",
            "description",
            "ack_target_seconds",
            "postmortem_required",
            "postmortem_within_hours",
        ]

    def get_ack_target_seconds(self, severity: Severity) -> int:
        return int(severity.ack_target.total_seconds())


class SeveritySummaryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Severity
        fields = ["rank", "name", "label"]


class RoleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name", "description", "rank"]


class RoleSummaryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name"]


class ServiceOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["slug", "name", "description", "owner_team", "slack_channel", "created_at"]


class ServiceSummaryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["slug", "name"]


class RoleAssignmentOutputSerializer(serializers.ModelSerializer):
    role = RoleSummaryOutputSerializer()
    user = UsernameField()
    assigned_by = UsernameField()
    ended_by = UsernameField()

    class Meta:
        model = RoleAssignment
        fields = ["role", "kind", "user", "assigned_at", "assigned_by", "ended_at", "ended_by"]


class CurrentRoleOutputSerializer(serializers.ModelSerializer):
    role = RoleSummaryOutputSerializer()
    user = UsernameField()

    class Meta:
        model = RoleAssignment
        fields = ["role", "kind", "user", "assigned_at"]


class TimelineEventOutputSerializer(serializers.ModelSerializer):
    actor = UsernameField()
    data = serializers.JSONField()

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "created_at", "actor", "source", "message", "data"]


class StakeholderUpdateOutputSerializer(serializers.ModelSerializer):
    severity = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = UsernameField()

    class Meta:
        model = StakeholderUpdate
        fields = ["id", "body", "status", "severity", "impact", "eta", "created_by", "created_at"]


class StakeholderUpdateDraftOutputSerializer(serializers.Serializer):
    body = serializers.CharField(
        help_text="The communication template filled in from the incident."
    )


class IncidentOutputSerializer(serializers.ModelSerializer):
    """An incident as lists show it. Expects `incident_list`'s prefetches (no extra queries)."""

    severity = SeveritySummaryOutputSerializer()
    services = ServiceSummaryOutputSerializer(many=True)
    declared_by = UsernameField()
    commander = serializers.SerializerMethodField()
    is_open = serializers.BooleanField()

    class Meta:
        model = Incident
        fields = [
            "number",
            "title",
            "status",
            "is_open",
            "severity",
            "services",
            "source",
            "declared_by",
            "commander",
            "created_at",
            "triggered_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
            "closed_at",
        ]

    def get_commander(self, incident: Incident) -> str | None:
        commander = incident_commander(incident)
        return commander.get_username() if commander else None


def _seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds())


class IncidentDetailOutputSerializer(IncidentOutputSerializer):
    """One incident in full. The view passes `role_history`, `timeline`, `timeline_count` and
    `stakeholder_updates` in the context, already read (so the query count is fixed)."""

    acknowledged_by = UsernameField()
    mitigated_by = UsernameField()
    resolved_by = UsernameField()
    closed_by = UsernameField()
    roles = serializers.SerializerMethodField()
    time_to_acknowledge = serializers.SerializerMethodField(help_text="Seconds, or null.")
    time_to_mitigate = serializers.SerializerMethodField(help_text="Seconds, or null.")
    time_to_resolve = serializers.SerializerMethodField(help_text="Seconds, or null.")
    ack_deadline = serializers.SerializerMethodField()
    ack_target_breached = serializers.SerializerMethodField()
    role_history = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField(
        help_text="The latest events, oldest first; see timeline_count and the timeline endpoint."
    )
    timeline_count = serializers.SerializerMethodField()
    stakeholder_updates = serializers.SerializerMethodField(help_text="Newest first.")

    class Meta(IncidentOutputSerializer.Meta):
        fields = [
            *IncidentOutputSerializer.Meta.fields,
            "summary",
            "customer_impact",
            "updated_at",
            "acknowledged_by",
            "mitigated_by",
            "resolved_by",
            "closed_by",
            "reopened_at",
            "reopen_count",
            "time_to_acknowledge",
            "time_to_mitigate",
            "time_to_resolve",
            "ack_deadline",
            "ack_target_breached",
            "roles",
            "role_history",
            "timeline",
            "timeline_count",
            "stakeholder_updates",
        ]

    @extend_schema_field(CurrentRoleOutputSerializer(many=True))
    def get_roles(self, incident: Incident) -> list[dict]:
        return CurrentRoleOutputSerializer(incident.current_assignments, many=True).data

    def get_time_to_acknowledge(self, incident: Incident) -> int | None:
        return _seconds(incident.time_to_acknowledge)

    def get_time_to_mitigate(self, incident: Incident) -> int | None:
        return _seconds(incident.time_to_mitigate)

    def get_time_to_resolve(self, incident: Incident) -> int | None:
        return _seconds(incident.time_to_resolve)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ack_deadline(self, incident: Incident) -> str:
        return serializers.DateTimeField().to_representation(incident.ack_deadline)

    def get_ack_target_breached(self, incident: Incident) -> bool:
        return incident.ack_target_breached(now=clock.now())

    @extend_schema_field(RoleAssignmentOutputSerializer(many=True))
    def get_role_history(self, incident: Incident) -> list[dict]:
        return RoleAssignmentOutputSerializer(self.context["role_history"], many=True).data

    @extend_schema_field(TimelineEventOutputSerializer(many=True))
    def get_timeline(self, incident: Incident) -> list[dict]:
        return TimelineEventOutputSerializer(self.context["timeline"], many=True).data

    def get_timeline_count(self, incident: Incident) -> int:
        return self.context["timeline_count"]

    @extend_schema_field(StakeholderUpdateOutputSerializer(many=True))
    def get_stakeholder_updates(self, incident: Incident) -> list[dict]:
        return StakeholderUpdateOutputSerializer(
            self.context["stakeholder_updates"], many=True
        ).data
