"""What incidents refer to: services (editable by admins), severities and roles (read-only here;
configured in the admin)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ERROR_RESPONSES, ApiView, ErrorSerializer
from core.errors import NotFoundError, PermissionDeniedError
from incidents import selectors, services
from incidents.api.serializers import (
    RoleOutputSerializer,
    ServiceCreateInputSerializer,
    ServiceOutputSerializer,
    ServiceUpdateInputSerializer,
    SeverityOutputSerializer,
)
from incidents.models import Role, Service

TAG = "catalogue"
WRITE_ERRORS = {**ERROR_RESPONSES, 409: ErrorSerializer}


def _require_view(request: Request) -> None:
    # The catalogue is shown to whoever may see incidents; people outside the groups see nothing.
    if not selectors.user_can_view_incidents(request.user):
        raise PermissionDeniedError("You do not have permission to view incidents.")


def _service_for(request: Request, slug: str) -> Service:
    _require_view(request)
    service = Service.objects.filter(slug=slug).first()
    if service is None:
        raise NotFoundError(f"There is no service {slug!r}.")
    return service


class ServiceListApi(ApiView):
    required_permissions = {"POST": ("incidents.add_service", "add services")}

    @extend_schema(
        tags=[TAG],
        summary="List services, by name",
        operation_id="v1_services_list",
        responses={200: ServiceOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        _require_view(request)
        return Response(ServiceOutputSerializer(selectors.service_list(), many=True).data)

    @extend_schema(
        tags=[TAG],
        summary="Add a service (admins)",
        request=ServiceCreateInputSerializer,
        responses={201: ServiceOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = ServiceCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = services.service_create(actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api-service-detail", args=[service.slug]))
        return Response(
            ServiceOutputSerializer(service).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class ServiceDetailApi(ApiView):
    required_permissions = {
        "PATCH": ("incidents.change_service", "change services"),
        "DELETE": ("incidents.delete_service", "delete services"),
    }

    @extend_schema(
        tags=[TAG],
        summary="Read a service",
        responses={200: ServiceOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(ServiceOutputSerializer(_service_for(request, slug)).data)

    @extend_schema(
        tags=[TAG],
        summary="Change a service (admins)",
        request=ServiceUpdateInputSerializer,
        responses={200: ServiceOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, slug: str) -> Response:
        service = _service_for(request, slug)
        serializer = ServiceUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = services.service_update(
            service=service, actor=request.user, **serializer.validated_data
        )
        return Response(ServiceOutputSerializer(service).data)

    @extend_schema(
        tags=[TAG],
        summary="Delete a service no incident refers to (admins)",
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str) -> Response:
        services.service_delete(service=_service_for(request, slug), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SeverityListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="List severities, most severe first",
        operation_id="v1_severities_list",
        responses={200: SeverityOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        _require_view(request)
        return Response(SeverityOutputSerializer(selectors.severity_list(), many=True).data)


class RoleListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="List incident roles",
        operation_id="v1_roles_list",
        responses={200: RoleOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        _require_view(request)
        return Response(RoleOutputSerializer(Role.objects.order_by("rank", "name"), many=True).data)
