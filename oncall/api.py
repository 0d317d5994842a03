"""REST API v1 for on-call: who is on call (now or at a moment), schedules with their layers,
and overrides — read and write. Thin: the rules are in oncall.services and oncall.selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ERROR_RESPONSES,
    ApiView,
    ErrorSerializer,
    InputSerializer,
    QuerySerializer,
    paginate,
    paginated,
    query_params_parse,
)
from core.errors import ValidationError
from oncall import selectors, services
from oncall.models import Override, Rotation, ShiftKind

TAG = "on-call"
WRITE_ERRORS = {**ERROR_RESPONSES, 409: ErrorSerializer}
EDIT = ("oncall.change_schedule", "change schedules")


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ScheduleRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField()


class OnCallOutputSerializer(serializers.Serializer):
    schedule = ScheduleRefSerializer()
    user = PersonSerializer(allow_null=True)
    layer = serializers.IntegerField(allow_null=True, help_text="None for an override.")
    is_override = serializers.BooleanField()
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(
        allow_null=True, help_text="None when nobody takes over within 14 days."
    )


class OnCallQuerySerializer(QuerySerializer):
    at = serializers.DateTimeField(required=False, help_text="ISO 8601; default now.")


class RotationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    layer = serializers.IntegerField()
    shift_kind = serializers.CharField()
    shift_hours = serializers.IntegerField()
    start_date = serializers.DateField()
    handoff_time = serializers.TimeField(format="%H:%M")
    weekdays = serializers.SerializerMethodField(help_text="0 = Monday; empty = every day.")
    participants = serializers.SerializerMethodField(help_text="Usernames, in turn order.")

    def get_weekdays(self, rotation) -> list[int]:
        return [int(day) for day in rotation.weekdays]

    def get_participants(self, rotation) -> list[str]:
        return [p.user.get_username() for p in rotation.participants.all()]


class ScheduleOutputSerializer(ScheduleRefSerializer):
    description = serializers.CharField()
    rotations = RotationOutputSerializer(many=True)


class ScheduleInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    time_zone = serializers.CharField(max_length=64, default="UTC")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RotationInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    layer = serializers.IntegerField(min_value=1, max_value=99)
    shift_kind = serializers.ChoiceField(choices=ShiftKind.choices)
    shift_hours = serializers.IntegerField(min_value=1, max_value=336, default=24)
    start_date = serializers.DateField()
    handoff_time = serializers.TimeField(default="09:00")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), default=list
    )
    participants = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, help_text="Usernames."
    )


class OverrideOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = PersonSerializer()
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)


class OverrideInputSerializer(InputSerializer):
    user = serializers.CharField(max_length=150, help_text="Username.")
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()


class OverrideQuerySerializer(QuerySerializer):
    after = serializers.DateTimeField(required=False, help_text="Ending after this moment.")
    before = serializers.DateTimeField(required=False, help_text="Starting before this moment.")


def _users(usernames: list[str], field: str) -> list:
    found = get_user_model().objects.in_bulk(usernames, field_name="username")
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError(
            f"Invalid input. {field}: no user {', '.join(missing)}.",
            errors={field: [f"No user {name!r}." for name in missing]},
        )
    return [found[name] for name in usernames]


def _schedule(request: Request, slug: str):
    return selectors.schedule_get_for_user(actor=request.user, slug=slug)


def _schedule_data(schedule) -> dict[str, Any]:
    return ScheduleOutputSerializer(
        {
            "slug": schedule.slug,
            "name": schedule.name,
            "time_zone": schedule.time_zone,
            "description": schedule.description,
            "rotations": list(schedule.rotations.prefetch_related("participants__user")),
        }
    ).data


class OnCallApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Who is on call for every schedule, now or at ?at=",
        operation_id="v1_oncall_list",
        parameters=[OnCallQuerySerializer],
        responses={200: OnCallOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        at = query_params_parse(OnCallQuerySerializer, request).get("at")
        rows = selectors.oncall_at_all(actor=request.user, at=at)
        return Response(OnCallOutputSerializer(rows, many=True).data)


class ScheduleListApi(ApiView):
    required_permissions = {"POST": ("oncall.add_schedule", "add schedules")}

    @extend_schema(
        tags=[TAG],
        summary="Schedules with their layers",
        operation_id="v1_schedules_list",
        responses={200: paginated(ScheduleOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        schedules = selectors.schedule_list(actor=request.user)
        return paginate(request, self, schedules, ScheduleOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Add a schedule (admins); add its layers with POST …/rotations/",
        request=ScheduleInputSerializer,
        responses={201: ScheduleOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = services.schedule_create(actor=request.user, **serializer.validated_data)
        location = reverse("api-schedule-detail", args=[schedule.slug])
        return Response(
            _schedule_data(schedule),
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class ScheduleDetailApi(ApiView):
    required_permissions = {"PATCH": EDIT}

    @extend_schema(
        tags=[TAG],
        summary="A schedule with its layers",
        responses={200: ScheduleOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_schedule_data(_schedule(request, slug)))

    @extend_schema(
        tags=[TAG],
        summary="Rename a schedule, change its time zone or description (admins)",
        request=ScheduleInputSerializer,
        responses={200: ScheduleOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, slug: str) -> Response:
        schedule = _schedule(request, slug)
        serializer = ScheduleInputSerializer(
            data={
                "name": schedule.name,
                "time_zone": schedule.time_zone,
                "description": schedule.description,
                **request.data,
            }
        )
        serializer.is_valid(raise_exception=True)
        services.schedule_update(schedule=schedule, actor=request.user, **serializer.validated_data)
        return Response(_schedule_data(schedule))


def _rotation_kwargs(serializer: RotationInputSerializer) -> dict[str, Any]:
    data = dict(serializer.validated_data)
    data["participants"] = _users(data["participants"], "participants")
    return data


class RotationListApi(ApiView):
    required_permissions = {"POST": EDIT}

    @extend_schema(
        tags=[TAG],
        summary="Add a layer to a schedule (admins)",
        request=RotationInputSerializer,
        responses={201: RotationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        schedule = _schedule(request, slug)
        serializer = RotationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rotation = services.rotation_save(
            schedule=schedule, actor=request.user, **_rotation_kwargs(serializer)
        )
        return Response(RotationOutputSerializer(rotation).data, status=status.HTTP_201_CREATED)


class RotationDetailApi(ApiView):
    required_permissions = {"PUT": EDIT, "DELETE": EDIT}

    @extend_schema(
        tags=[TAG],
        summary="Replace a layer (admins)",
        request=RotationInputSerializer,
        responses={200: RotationOutputSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, slug: str, pk: int) -> Response:
        schedule = _schedule(request, slug)
        rotation = get_object_or_404(Rotation, pk=pk, schedule=schedule)
        serializer = RotationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rotation = services.rotation_save(
            schedule=schedule, rotation=rotation, actor=request.user, **_rotation_kwargs(serializer)
        )
        return Response(RotationOutputSerializer(rotation).data)

    @extend_schema(tags=[TAG], summary="Delete a layer (admins)", responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        schedule = _schedule(request, slug)
        rotation = get_object_or_404(Rotation, pk=pk, schedule=schedule)
        services.rotation_delete(rotation=rotation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverrideListApi(ApiView):
    required_permissions = {"POST": ("oncall.add_override", "add overrides")}

    @extend_schema(
        tags=[TAG],
        summary="Overrides of a schedule, by start",
        operation_id="v1_schedule_overrides_list",
        parameters=[OverrideQuerySerializer],
        responses={200: paginated(OverrideOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request, slug: str) -> Response:
        schedule = _schedule(request, slug)
        window = query_params_parse(OverrideQuerySerializer, request)
        overrides = selectors.schedule_overrides(schedule, **window)
        return paginate(request, self, overrides, OverrideOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Put someone on call over a window (responders)",
        request=OverrideInputSerializer,
        responses={201: OverrideOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        schedule = _schedule(request, slug)
        serializer = OverrideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        [user] = _users([data["user"]], "user")
        override = services.override_create(
            schedule=schedule,
            user=user,
            start_at=data["start_at"],
            end_at=data["end_at"],
            actor=request.user,
        )
        return Response(OverrideOutputSerializer(override).data, status=status.HTTP_201_CREATED)


class OverrideDetailApi(ApiView):
    required_permissions = {"DELETE": ("oncall.delete_override", "delete overrides")}

    @extend_schema(tags=[TAG], summary="Delete an override (admins)", responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        schedule = _schedule(request, slug)
        override = get_object_or_404(Override, pk=pk, schedule=schedule)
        services.override_delete(override=override, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
