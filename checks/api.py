"""The health checks REST API (`/api/v1/checks/`): thin views around checks.services and
checks.selectors. Reading needs `checks.view_check` (Admin, Responder, Viewer); every change
`checks.change_check` (Admin). Durations are whole seconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from checks import selectors, services
from checks.models import Check, CheckKind, CheckStatus, JsonRule
from core.api import ERROR_RESPONSES, ApiView, ErrorSerializer, InputSerializer
from core.errors import ValidationError
from incidents.models import Service

TAG = "checks"
WRITE_ERRORS = {**ERROR_RESPONSES, 409: ErrorSerializer}
CONFIGURE = {"POST": (services.CONFIGURE_PERMISSION, "change checks")}
DURATIONS = ("period", "grace", "interval", "timeout")


# Plain strings in the OpenAPI document (as enums, "kind"/"status" would collide with others).
@extend_schema_field({"type": "string", "description": "One of: heartbeat, http."})
class KindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CheckKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(JsonRule.values)})
class JsonRuleField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=JsonRule.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(CheckStatus.values) + "."}
)
class CheckStatusField(serializers.CharField):
    pass


class _SettingsInput(InputSerializer):
    name = serializers.CharField(max_length=120)
    service = serializers.SlugField(help_text="The slug of the service a down check alerts on.")
    period = serializers.IntegerField(min_value=30, required=False, help_text="Seconds.")
    grace = serializers.IntegerField(min_value=0, required=False, help_text="Seconds.")
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    interval = serializers.IntegerField(min_value=10, required=False, help_text="Seconds.")
    timeout = serializers.IntegerField(min_value=1, required=False, help_text="Seconds.")
    expected_status = serializers.IntegerField(min_value=100, max_value=599, required=False)
    json_rule = JsonRuleField(required=False, allow_blank=True)
    json_field = serializers.CharField(max_length=200, required=False, allow_blank=True)
    json_value = serializers.CharField(max_length=200, required=False, allow_blank=True)
    failures_to_alert = serializers.IntegerField(min_value=1, max_value=100, required=False)
    successes_to_recover = serializers.IntegerField(min_value=1, max_value=100, required=False)


class CheckCreateInputSerializer(_SettingsInput):
    kind = KindField()


class CheckUpdateInputSerializer(_SettingsInput):
    name = serializers.CharField(max_length=120, required=False)
    service = serializers.SlugField(required=False)


class CheckOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    status = CheckStatusField()
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ping_url = serializers.SerializerMethodField(help_text="Heartbeats: where the job pings.")
    period = serializers.SerializerMethodField()
    grace = serializers.SerializerMethodField()
    interval = serializers.SerializerMethodField()
    timeout = serializers.SerializerMethodField()

    class Meta:
        model = Check
        fields = [
            "id", "uuid", "name", "kind", "service", "status", "status_changed_at", "ping_url",
            "period", "grace", "last_ping_at", "last_start_at", "url", "interval", "timeout",
            "expected_status", "json_rule", "json_field", "json_value", "failures_to_alert",
            "successes_to_recover", "consecutive_failures", "next_poll_at", "created_at",
        ]  # fmt: skip

    def get_ping_url(self, check: Check) -> str | None:
        if check.kind != CheckKind.HEARTBEAT:
            return None
        return settings.PUBLIC_BASE_URL + reverse("checks:ping", args=[str(check.uuid)])

    def get_period(self, check: Check) -> int:
        return int(check.period.total_seconds())

    def get_grace(self, check: Check) -> int:
        return int(check.grace.total_seconds())

    def get_interval(self, check: Check) -> int:
        return int(check.interval.total_seconds())

    def get_timeout(self, check: Check) -> int:
        return int(check.timeout.total_seconds())


def _values(data: dict) -> dict:
    values = dict(data)
    for name in DURATIONS:
        if name in values:
            values[name] = timedelta(seconds=values[name])
    if "service" in values:
        slug = values["service"]
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            raise ValidationError(
                f"service: There is no service {slug!r}.",
                errors={"service": [f"There is no service {slug!r}."]},
            )
        values["service"] = service
    return values


def _output(request: Request, check: Check) -> dict:
    return CheckOutputSerializer(selectors.check_get_for_user(user=request.user, pk=check.pk)).data


class CheckListApi(ApiView):
    required_permissions = CONFIGURE

    @extend_schema(
        tags=[TAG],
        summary="List health checks",
        operation_id="v1_checks_list",
        responses={200: CheckOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        checks = selectors.check_list(user=request.user)
        return Response(CheckOutputSerializer(checks, many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="Add a heartbeat or HTTP check (admins)",
        request=CheckCreateInputSerializer,
        responses={201: CheckOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = CheckCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _values(serializer.validated_data)
        check = services.check_create(actor=request.user, **values)
        location = reverse("api-check-detail", args=[check.pk])
        return Response(
            _output(request, check),
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class CheckDetailApi(ApiView):
    required_permissions = {"PATCH": CONFIGURE["POST"], "DELETE": CONFIGURE["POST"]}

    @extend_schema(
        tags=[TAG],
        summary="Read a check",
        responses={200: CheckOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(request, selectors.check_get_for_user(user=request.user, pk=pk)))

    @extend_schema(
        tags=[TAG],
        summary="Change a check's settings (admins)",
        request=CheckUpdateInputSerializer,
        responses={200: CheckOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        check = selectors.check_get_for_user(user=request.user, pk=pk)
        serializer = CheckUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.check_update(check=check, actor=request.user, **_values(serializer.validated_data))
        return Response(_output(request, check))

    @extend_schema(
        tags=[TAG], summary="Delete a check (admins)", responses={204: None, **WRITE_ERRORS}
    )
    def delete(self, request: Request, pk: int) -> Response:
        check = selectors.check_get_for_user(user=request.user, pk=pk)
        services.check_delete(check=check, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckPauseApi(ApiView):
    required_permissions = CONFIGURE

    @extend_schema(
        tags=[TAG],
        summary="Pause a check (admins); a firing alert resolves",
        request=None,
        responses={200: CheckOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        check = selectors.check_get_for_user(user=request.user, pk=pk)
        return Response(_output(request, services.check_pause(check=check, actor=request.user)))


class CheckResumeApi(ApiView):
    required_permissions = CONFIGURE

    @extend_schema(
        tags=[TAG],
        summary="Resume a paused check (admins); 409 if it is not paused",
        request=None,
        responses={200: CheckOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        check = selectors.check_get_for_user(user=request.user, pk=pk)
        return Response(_output(request, services.check_resume(check=check, actor=request.user)))
