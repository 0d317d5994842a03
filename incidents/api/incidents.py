"""Incidents: list, declare, read, edit, and their timeline and stakeholder-update draft."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ERROR_RESPONSES,
    ApiView,
    ErrorSerializer,
    paginate,
    paginated,
    query_params_parse,
)
from incidents import selectors, services
from incidents.api.serializers import (
    IncidentCreateInputSerializer,
    IncidentDetailOutputSerializer,
    IncidentListQuerySerializer,
    IncidentOutputSerializer,
    IncidentUpdateInputSerializer,
    StakeholderUpdateDraftOutputSerializer,
    TimelineEventOutputSerializer,
    TimelineQuerySerializer,
)
from incidents.models import Incident, Source

# The detail shows this many latest events; the timeline endpoint pages through all of them.
DETAIL_TIMELINE_LIMIT = 100
TAG = "incidents"


def incident_detail_data(incident: Incident, request: Request) -> dict:
    """The detail representation; reads the incident again with everything it shows, in a fixed
    number of queries whatever the length of its history."""
    incident = selectors.incident_get_for_user(
        user=request.user, number=incident.number, people=True
    )
    return _detail_data(incident)


def _detail_data(incident: Incident) -> dict:
    latest = list(
        selectors.incident_timeline(incident=incident, newest_first=True)[:DETAIL_TIMELINE_LIMIT]
    )
    context = {
        "role_history": list(selectors.incident_role_history(incident=incident)),
        "timeline": latest[::-1],
        "timeline_count": (
            len(latest) if len(latest) < DETAIL_TIMELINE_LIMIT else incident.timeline.count()
        ),
        # No selector lists them yet; the incident was access-checked by the caller.
        "stakeholder_updates": list(
            incident.stakeholder_updates.select_related("severity", "created_by")
        ),
    }
    return IncidentDetailOutputSerializer(incident, context=context).data


def _incident_url(request: Request, number: int) -> str:
    return request.build_absolute_uri(reverse("api-incident-detail", args=[number]))


class IncidentListApi(ApiView):
    required_permissions = {"POST": (services.DECLARE_PERMISSION, "declare incidents")}

    @extend_schema(
        tags=[TAG],
        summary="List incidents, newest first",
        operation_id="v1_incidents_list",
        parameters=[IncidentListQuerySerializer],
        responses={200: paginated(IncidentOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        params = query_params_parse(IncidentListQuerySerializer, request)
        filters = selectors.IncidentFilters(
            statuses=tuple(params.get("status", ())),
            severity_ranks=tuple(params.get("severity", ())),
            service_slugs=tuple(params.get("service", ())),
            text=params.get("q", ""),
            created_after=params.get("created_after"),
            created_before=params.get("created_before"),
            open_only=params.get("open", False),
        )
        incidents = selectors.incident_list(user=request.user, filters=filters)
        return paginate(request, self, incidents, IncidentOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Declare an incident",
        request=IncidentCreateInputSerializer,
        responses={201: IncidentDetailOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        serializer = IncidentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = services.incident_create(
            actor=request.user, source=Source.API, **serializer.validated_data
        )
        return Response(
            incident_detail_data(incident, request),
            status=status.HTTP_201_CREATED,
            headers={"Location": _incident_url(request, incident.number)},
        )


class IncidentDetailApi(ApiView):
    required_permissions = {"PATCH": (services.RESPOND_PERMISSION, "edit incidents")}

    @extend_schema(
        tags=[TAG],
        summary="Read an incident with its roles, history, timeline and updates",
        responses={200: IncidentDetailOutputSerializer, 404: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number, people=True)
        return Response(_detail_data(incident))

    @extend_schema(
        tags=[TAG],
        summary="Edit title, summary, customer impact or services",
        request=IncidentUpdateInputSerializer,
        responses={200: IncidentDetailOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        serializer = IncidentUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_update(
            incident=incident, actor=request.user, source=Source.API, **serializer.validated_data
        )
        return Response(incident_detail_data(incident, request))


class IncidentTimelineApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Page through an incident's timeline",
        operation_id="v1_incidents_timeline_list",
        parameters=[TimelineQuerySerializer],
        responses={200: paginated(TimelineEventOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        params = query_params_parse(TimelineQuerySerializer, request)
        events = selectors.incident_timeline(
            incident=incident,
            newest_first=params["order"] == "newest",
            kinds=tuple(params.get("kind", ())),
        )
        return paginate(request, self, events, TimelineEventOutputSerializer)


class StakeholderUpdateDraftApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="The communication template, filled in from the incident",
        responses={
            200: StakeholderUpdateDraftOutputSerializer,
            404: ErrorSerializer,
            401: ErrorSerializer,
        },
    )
    def get(self, request: Request, number: int) -> Response:
        incident = selectors.incident_get_for_user(user=request.user, number=number)
        return Response({"body": selectors.stakeholder_update_draft(incident)})
