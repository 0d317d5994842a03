"""What responders do to an incident: move it through its states, change severity, hand out
roles, add notes and post stakeholder updates. Each endpoint calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, ErrorSerializer, InputSerializer, query_params_parse
from core.errors import NotFoundError
from incidents import selectors, services
from incidents.api.incidents import TAG, incident_detail_data
from incidents.api.serializers import (
    IncidentDetailOutputSerializer,
    IncidentReopenInputSerializer,
    IncidentSeverityInputSerializer,
    IncidentTransitionInputSerializer,
    NoteInputSerializer,
    RoleAssignInputSerializer,
    RoleAssignmentOutputSerializer,
    RoleUnassignQuerySerializer,
    StakeholderUpdateInputSerializer,
    StakeholderUpdateOutputSerializer,
    TimelineEventOutputSerializer,
)
from incidents.models import Role, Source

WRITE_ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


# Checked before the body is read (core.api.ApiView): a Viewer never learns if input was valid.
RESPOND = {"POST": (services.RESPOND_PERMISSION, "act on incidents")}


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _IncidentTransitionApi(ApiView):
    """POST moves the incident with `service`; answers the incident as it is afterwards."""

    service: ClassVar[Callable[..., Any]]
    input_serializer: ClassVar[type[InputSerializer]] = IncidentTransitionInputSerializer
    required_permissions = RESPOND

    def post(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        arguments = _body(self.input_serializer, request)
        type(self).service(incident=incident, actor=request.user, source=Source.API, **arguments)
        return Response(incident_detail_data(incident, request))


def _transition_schema(summary: str, serializer: type[InputSerializer]) -> Callable:
    return extend_schema_view(
        post=extend_schema(
            tags=[TAG],
            summary=summary,
            request=serializer,
            responses={200: IncidentDetailOutputSerializer, **WRITE_ERRORS},
        )
    )


class _NoMessageInputSerializer(InputSerializer):
    """Acknowledge and close take no arguments."""


@_transition_schema("Acknowledge: someone is on it", _NoMessageInputSerializer)
class IncidentAcknowledgeApi(_IncidentTransitionApi):
    service = services.incident_acknowledge
    input_serializer = _NoMessageInputSerializer


@_transition_schema("Mark mitigated", IncidentTransitionInputSerializer)
class IncidentMitigateApi(_IncidentTransitionApi):
    service = services.incident_mitigate


@_transition_schema("Resolve", IncidentTransitionInputSerializer)
class IncidentResolveApi(_IncidentTransitionApi):
    service = services.incident_resolve


@_transition_schema("Close a resolved incident", _NoMessageInputSerializer)
class IncidentCloseApi(_IncidentTransitionApi):
    service = services.incident_close
    input_serializer = _NoMessageInputSerializer


@_transition_schema("Reopen a resolved incident", IncidentReopenInputSerializer)
class IncidentReopenApi(_IncidentTransitionApi):
    service = services.incident_reopen
    input_serializer = IncidentReopenInputSerializer


class IncidentSeverityApi(ApiView):
    required_permissions = RESPOND

    @extend_schema(
        tags=[TAG],
        summary="Change severity",
        request=IncidentSeverityInputSerializer,
        responses={200: IncidentDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        arguments = _body(IncidentSeverityInputSerializer, request)
        services.incident_change_severity(
            incident=incident, actor=request.user, source=Source.API, **arguments
        )
        return Response(incident_detail_data(incident, request))


class IncidentRoleAssignApi(ApiView):
    required_permissions = RESPOND

    @extend_schema(
        tags=[TAG],
        summary="Give a role to someone (ends the previous holder's assignment)",
        request=RoleAssignInputSerializer,
        responses={200: RoleAssignmentOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        arguments = _body(RoleAssignInputSerializer, request)
        assignment = services.incident_assign_role(
            incident=incident, actor=request.user, source=Source.API, **arguments
        )
        return Response(RoleAssignmentOutputSerializer(assignment).data)


class IncidentRoleUnassignApi(ApiView):
    required_permissions = {"DELETE": RESPOND["POST"]}

    @extend_schema(
        tags=[TAG],
        summary="End the current holder's assignment of a role",
        parameters=[
            RoleUnassignQuerySerializer,
            OpenApiParameter("role", str, OpenApiParameter.PATH, description="Role slug."),
        ],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, number: int, role: str) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        params = query_params_parse(RoleUnassignQuerySerializer, request)
        found = Role.objects.filter(slug=role).first()
        if found is None:
            raise NotFoundError(f"There is no role {role!r}.")
        services.incident_unassign_role(
            incident=incident,
            role=found,
            actor=request.user,
            source=Source.API,
            kind=params["kind"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentNoteAddApi(ApiView):
    required_permissions = RESPOND

    @extend_schema(
        tags=[TAG],
        summary="Add a note to the timeline",
        request=NoteInputSerializer,
        responses={201: TimelineEventOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        arguments = _body(NoteInputSerializer, request)
        event = services.incident_add_note(
            incident=incident, actor=request.user, source=Source.API, **arguments
        )
        return Response(TimelineEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class StakeholderUpdatePostApi(ApiView):
    required_permissions = RESPOND

    @extend_schema(
        tags=[TAG],
        summary="Post a stakeholder update",
        request=StakeholderUpdateInputSerializer,
        responses={201: StakeholderUpdateOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        arguments = _body(StakeholderUpdateInputSerializer, request)
        update = services.incident_post_stakeholder_update(
            incident=incident, actor=request.user, source=Source.API, **arguments
        )
        return Response(
            StakeholderUpdateOutputSerializer(update).data, status=status.HTTP_201_CREATED
        )
