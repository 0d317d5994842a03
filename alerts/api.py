"""The integrations REST API (`/api/v1/integrations/`): thin views around alerts.services and
alerts.selectors.

Reading needs `alerts.view_integration` (Admin, Responder, Viewer); every change needs
`alerts.change_integration` (Admin). The intake key is in an answer only twice: when the
integration is created and when its key is rotated; otherwise only its first characters are.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from alerts import selectors, services
from alerts.models import AlertDelivery, AlertStatus, DeliveryStatus, Integration, IntegrationKind
from core import clock
from core.api import (
    ERROR_RESPONSES,
    ApiView,
    CommaListField,
    ErrorSerializer,
    InputSerializer,
    QuerySerializer,
    paginate,
    paginated,
)
from core.api import query_params_parse as _query
from core.errors import PermissionDeniedError, ValidationError
from incidents.api.serializers import (
    ServiceSummaryOutputSerializer,
    SeverityField,
    SeveritySummaryOutputSerializer,
)
from incidents.models import Service
from incidents.selectors import incident_get_for_user

TAG = "integrations"
WRITE_ERRORS = {**ERROR_RESPONSES, 409: ErrorSerializer}
MAX_MAINTENANCE_MINUTES = 90 * 24 * 60


# --- Serializers -------------------------------------------------------------------------------

# Plain strings in the OpenAPI document, values listed: as enums their names ("kind", "status")
# would collide with the incident API's choice sets of the same names.
KINDS_HELP = "One of: " + ", ".join(IntegrationKind.values) + "."
DELIVERY_STATUS_HELP = "One of: " + ", ".join(DeliveryStatus.values) + "."


@extend_schema_field({"type": "string", "description": KINDS_HELP})
class KindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=IntegrationKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": DELIVERY_STATUS_HELP})
class DeliveryStatusField(serializers.CharField):
    pass


class _SettingsInput(InputSerializer):
    """The settings shared by create and update; the service checks them again and normalises."""

    name = serializers.CharField(max_length=120)
    enabled = serializers.BooleanField(required=False)
    default_severity = SeverityField(required=False)
    severity_label = serializers.CharField(
        max_length=60, required=False, help_text="Label whose value picks the severity."
    )
    severity_mapping = serializers.DictField(
        child=SeverityField(),
        required=False,
        help_text='Label value → severity, e.g. {"critical": 1, "warning": "SEV-3"}; added to '
        "the defaults (critical/page → 1, error/high → 2, warning/medium → 3, info/low → 4).",
    )
    group_by_labels = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=services.MAX_GROUP_LABELS,
        required=False,
        help_text="Labels whose values group alerts into one incident; empty: the format's "
        "default (Alertmanager/Grafana groupKey, PagerDuty and generic dedup_key).",
    )
    auto_resolve = serializers.BooleanField(
        required=False, help_text="Resolve the incident when all of its alerts have resolved."
    )

    def validate_severity_mapping(self, value: dict) -> dict:
        # Keys are not checked by a field; PostgreSQL refuses NUL characters in JSON.
        if any("\x00" in str(key) for key in value):
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


class IntegrationCreateInputSerializer(_SettingsInput):
    service = serializers.SlugField(max_length=120, help_text="Slug of the service alerts are for.")
    kind = KindField()


class IntegrationUpdateInputSerializer(_SettingsInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class MaintenanceInputSerializer(InputSerializer):
    until = serializers.DateTimeField(required=False, help_text="When maintenance ends.")
    minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_MAINTENANCE_MINUTES,
        help_text="Or: how long it lasts from now.",
    )

    def validate(self, attrs: dict) -> dict:
        if ("until" in attrs) == ("minutes" in attrs):
            raise serializers.ValidationError("Give either `until` or `minutes`.")
        return attrs


class DeliveryQuerySerializer(QuerySerializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=selectors.RECENT_DELIVERIES, default=50
    )


class IntegrationOutputSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    service = ServiceSummaryOutputSerializer()
    default_severity = SeveritySummaryOutputSerializer()
    in_maintenance = serializers.SerializerMethodField()
    intake_url = serializers.SerializerMethodField(
        help_text="Where senders post, with the key masked (PagerDuty: the Events API URL)."
    )
    last_delivery_at = serializers.DateTimeField(allow_null=True, read_only=True, default=None)
    last_delivery_status = DeliveryStatusField(allow_null=True, read_only=True, default=None)

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "kind",
            "service",
            "enabled",
            "in_maintenance",
            "maintenance_until",
            "default_severity",
            "severity_label",
            "severity_mapping",
            "group_by_labels",
            "auto_resolve",
            "key_prefix",
            "key_rotated_at",
            "intake_url",
            "created_at",
            "last_delivery_at",
            "last_delivery_status",
        ]

    def get_in_maintenance(self, integration: Integration) -> bool:
        return integration.in_maintenance(clock.now())

    def get_intake_url(self, integration: Integration) -> str:
        return selectors.integration_masked_intake_url(integration)


class IntegrationWithKeyOutputSerializer(IntegrationOutputSerializer):
    """Create and rotate only: the one time the key is shown."""

    intake_key = serializers.SerializerMethodField(
        help_text="The secret intake key, shown this once (PagerDuty: the routing_key)."
    )

    class Meta(IntegrationOutputSerializer.Meta):
        fields = [*IntegrationOutputSerializer.Meta.fields, "intake_key"]

    def get_intake_key(self, integration: Integration) -> str:
        return self.context["key"]

    def get_intake_url(self, integration: Integration) -> str:
        return selectors.integration_intake_url(kind=integration.kind, key=self.context["key"])


class DeliveryOutputSerializer(serializers.ModelSerializer):
    status = DeliveryStatusField()

    class Meta:
        model = AlertDelivery
        fields = ["id", "received_at", "status", "error", "attempts", "processed_at", "source_ip"]


# --- Plumbing ----------------------------------------------------------------------------------


def _require_view(request: Request) -> None:
    if not selectors.user_can_view_integrations(request.user):
        raise PermissionDeniedError("You do not have permission to view integrations.")


def _integration_for(request: Request, pk: int, *, configure: bool = False) -> Integration:
    """The integration (404 for whoever may not see it), then 403 for a change without rights."""
    integration = selectors.integration_get_for_user(user=request.user, pk=pk)
    if configure and not selectors.user_can_configure_integrations(request.user):
        raise PermissionDeniedError("You do not have permission to configure integrations.")
    return integration


def _fresh(request: Request, integration: Integration) -> Integration:
    return selectors.integration_get_for_user(user=request.user, pk=integration.pk)


def _output(request: Request, integration: Integration, key: str | None = None) -> dict:
    if key is None:
        return IntegrationOutputSerializer(_fresh(request, integration)).data
    return IntegrationWithKeyOutputSerializer(
        _fresh(request, integration), context={"key": key}
    ).data


# --- Views -------------------------------------------------------------------------------------


class IntegrationListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="List integrations, by service and name",
        operation_id="v1_integrations_list",
        responses={200: IntegrationOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        _require_view(request)
        integrations = selectors.integration_overview_list(user=request.user)
        return Response(IntegrationOutputSerializer(integrations, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="Add an integration (admins); the answer holds the intake key, once",
        request=IntegrationCreateInputSerializer,
        responses={201: IntegrationWithKeyOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not selectors.user_can_configure_integrations(request.user):
            raise PermissionDeniedError("You do not have permission to configure integrations.")
        serializer = IntegrationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        slug, kind = data.pop("service"), data.pop("kind")
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            raise ValidationError(
                f"Invalid input. service: There is no service {slug!r}.",
                errors={"service": [f"There is no service {slug!r}."]},
            )
        options = services.integration_settings_clean(**data)
        integration, key = services.integration_create(
            service=service,
            kind=kind,
            name=options.pop("name"),
            default_severity=options.pop("default_severity", None),
            actor=request.user,
            **options,
        )
        location = reverse("api-integration-detail", args=[integration.pk])
        return Response(
            _output(request, integration, key),
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class IntegrationDetailApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Read an integration (the key masked)",
        responses={200: IntegrationOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(request, _integration_for(request, pk)))

    @extend_schema(
        tags=[TAG],
        summary="Change an integration's settings (admins)",
        request=IntegrationUpdateInputSerializer,
        responses={200: IntegrationOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        integration = _integration_for(request, pk, configure=True)
        serializer = IntegrationUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.integration_update(
            integration=integration, actor=request.user, **serializer.validated_data
        )
        return Response(_output(request, integration))


class IntegrationRotateKeyApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Replace the intake key (admins); the old key stops working at once",
        request=None,
        responses={200: IntegrationWithKeyOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        integration = _integration_for(request, pk, configure=True)
        key = services.integration_rotate_key(integration=integration, actor=request.user)
        return Response(_output(request, integration, key))


class IntegrationMaintenanceApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Start or extend maintenance (admins): alerts stored, nobody paged",
        request=MaintenanceInputSerializer,
        responses={200: IntegrationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        integration = _integration_for(request, pk, configure=True)
        serializer = MaintenanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        until = data.get("until") or clock.now() + timedelta(minutes=data["minutes"])
        services.integration_set_maintenance(
            integration=integration, until=until, actor=request.user
        )
        return Response(_output(request, integration))

    @extend_schema(
        tags=[TAG],
        summary="End maintenance now (admins)",
        request=None,
        responses={200: IntegrationOutputSerializer, **WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: int) -> Response:
        integration = _integration_for(request, pk, configure=True)
        services.integration_set_maintenance(
            integration=integration, until=None, actor=request.user
        )
        return Response(_output(request, integration))


class IntegrationDeliveriesApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="The latest deliveries to this integration, newest first",
        parameters=[DeliveryQuerySerializer],
        responses={200: DeliveryOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, pk: int) -> Response:
        integration = _integration_for(request, pk)
        limit = _query(DeliveryQuerySerializer, request)["limit"]
        deliveries = selectors.integration_delivery_list(integration=integration, limit=limit)
        return Response(DeliveryOutputSerializer(deliveries, many=True).data)


# --- Alerts ------------------------------------------------------------------------------------


class AlertOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField(help_text="firing or resolved")
    severity = serializers.CharField(source="severity.name")
    source = serializers.CharField()
    fingerprint = serializers.CharField()
    group_key = serializers.CharField()
    labels = serializers.DictField(child=serializers.CharField())
    annotations = serializers.DictField(child=serializers.CharField())
    links = serializers.SerializerMethodField()
    integration = serializers.SerializerMethodField()
    incident = serializers.IntegerField(source="incident.number", allow_null=True, default=None)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    delivery_count = serializers.IntegerField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"href": {"type": "string"}, "text": {"type": "string"}},
            },
        }
    )
    def get_links(self, alert) -> list[dict[str, str]]:
        """Its links and link annotations (runbook_url…), http(s) only."""
        return [
            {"href": link["href"], "text": link["text"]}
            for link in selectors.alert_web_links(alert)
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "service": {"type": "string"},
            },
        }
    )
    def get_integration(self, alert) -> dict[str, Any]:
        integration = alert.integration
        return {"id": integration.pk, "name": integration.name, "service": integration.service.slug}


class AlertListQuerySerializer(QuerySerializer):
    status = CommaListField(
        child=serializers.ChoiceField(choices=AlertStatus.choices), required=False
    )
    integration = CommaListField(child=serializers.IntegerField(min_value=1), required=False)
    service = CommaListField(child=serializers.SlugField(max_length=120), required=False)
    severity = CommaListField(child=serializers.CharField(max_length=20), required=False)
    incident = serializers.IntegerField(min_value=1, required=False)
    seen_after = serializers.DateTimeField(required=False, help_text="Last seen at or after.")
    seen_before = serializers.DateTimeField(required=False, help_text="Last seen before.")


class AlertListApi(ApiView):
    @extend_schema(
        tags=["alerts"],
        summary="Alerts, last seen first, with filters",
        operation_id="v1_alerts_list",
        parameters=[AlertListQuerySerializer],
        responses={200: paginated(AlertOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = _query(AlertListQuerySerializer, request)
        alerts = selectors.alert_list(user=request.user, **filters)
        return paginate(request, self, alerts, AlertOutputSerializer)


class IncidentAlertsApi(ApiView):
    @extend_schema(
        tags=["alerts"],
        summary="The alerts of an incident, firing first",
        operation_id="v1_incident_alerts_list",
        responses={200: paginated(AlertOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request, number: int) -> Response:
        incident = incident_get_for_user(user=request.user, number=number)
        return paginate(request, self, selectors.incident_alerts(incident), AlertOutputSerializer)
