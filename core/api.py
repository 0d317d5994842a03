"""What every API endpoint shares: one error shape and the mapping of domain errors to codes.

Errors look like `{"message": "what went wrong", "errors": {"field": ["reason", ...]}}`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from auditlog.context import auditlog_value
from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.errors import ValidationError as DomainValidationError

logger = logging.getLogger(__name__)


def _reasons(value: Any) -> list[str]:
    """Flat reasons from DRF's nested errors: a list field reports `{index: [reason]}`, a nested
    serializer `{field: [reason]}`; both become "name: reason" strings."""
    if isinstance(value, dict):
        return [f"{key}: {reason}" for key, item in value.items() for reason in _reasons(item)]
    if isinstance(value, list):
        return [reason for item in value for reason in _reasons(item)]
    return [str(value)]


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _reasons(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def _message_for(exc: exceptions.APIException, errors: dict[str, list[str]]) -> str:
    if isinstance(exc, exceptions.ValidationError):
        if errors:
            field, reasons = next(iter(errors.items()))
            prefix = "" if field == "non_field_errors" else f"{field}: "
            return f"Invalid input. {prefix}{reasons[0]}"
        return "Invalid input."
    detail = exc.detail
    return str(detail) if not isinstance(detail, dict | list) else "Request failed."


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"message": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = _flatten(exc.detail) if isinstance(exc, exceptions.ValidationError) else {}
    response.data = {"message": _message_for(exc, errors), "errors": errors}
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["message"] = str(exc.detail)
    return response


# --- Shared building blocks for API views ---------------------------------------------------------


def _auditlog_actor_set(user: Any) -> None:
    """Name `user` as the actor of the audit log entries written while this request runs.

    AuditlogMiddleware runs before DRF and only knows session users: a request authenticated by a
    token looks anonymous to it, so the changes it makes would be logged with no actor. Once DRF
    has authenticated the request we fill in the actor in the middleware's context (the same dict
    its signal receiver reads), keeping the remote address it already recorded.
    """
    try:
        context = auditlog_value.get()
    except LookupError:  # no middleware around this call (e.g. a view called directly)
        return
    if context.get("actor") is None and getattr(user, "is_authenticated", False):
        context["actor"] = user


class ApiView(APIView):
    """Base class of every Firebell API view.

    `required_permissions` maps a method to the permission its service demands and what it lets
    one do (`{"POST": (RESPOND_PERMISSION, "act on incidents")}`). It is checked right after
    authentication, before the body is read: a caller who may not write gets 403 whether their
    input was valid or not, and learns nothing from it. The service still checks the same
    permission (it is the rule, for every interface); this only answers earlier.
    """

    required_permissions: ClassVar[dict[str, tuple[str, str]]] = {}

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # A GET whose view read no query parameter (neither `query_params_parse` nor
        # `paginate` checked them) must not have been sent any: `?search=` on a list without
        # search answers 400 instead of everything. Reads have no side effects, so refusing
        # after the handler ran changes nothing.
        if (
            request.method == "GET"
            and response.status_code < 400
            and not getattr(request, _CHECKED_ATTRIBUTE, False)
        ):
            try:
                query_params_check(request, ())
            except DomainError as error:
                response = self.handle_exception(error)
        return super().finalize_response(request, response, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authenticates, then checks permissions
        _auditlog_actor_set(request.user)
        required = self.required_permissions.get(request.method or "")
        if required is not None and not request.user.has_perm(required[0]):
            raise exceptions.PermissionDenied(f"You do not have permission to {required[1]}.")


class InputSerializer(serializers.Serializer):
    """Base for request bodies: unknown fields are refused rather than silently ignored.

    A typo such as `sevrity` would otherwise succeed without changing anything.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def create(self, validated_data: Any) -> Any:  # pragma: no cover - input only
        raise NotImplementedError

    def update(self, instance: Any, validated_data: Any) -> Any:  # pragma: no cover - input only
        raise NotImplementedError


class QuerySerializer(serializers.Serializer):
    """Base for query-string parameters: bad values are a 400, and so are unknown parameters
    (`query_params_parse`), naming the allowed ones."""

    def create(self, validated_data: Any) -> Any:  # pragma: no cover - input only
        raise NotImplementedError

    def update(self, instance: Any, validated_data: Any) -> Any:  # pragma: no cover - input only
        raise NotImplementedError


PAGINATION_PARAMS = ("page", "page_size")
_ALLOWED_ATTRIBUTE = "_firebell_query_params"
_CHECKED_ATTRIBUTE = "_firebell_query_checked"


def query_params_check(request: Request, allowed: Iterable[str]) -> None:
    """Refuse a query string with a parameter the endpoint does not know (`?search=` on a list
    that has no search would otherwise answer everything, as if it had filtered): a 400 naming
    the unknown parameters and the allowed ones. Called for every list endpoint by
    `query_params_parse` and `paginate`, so no endpoint has to remember it."""
    setattr(request, _CHECKED_ATTRIBUTE, True)
    known = {*allowed, *PAGINATION_PARAMS}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        names = ", ".join(unknown)
        allowed_names = ", ".join(sorted(known))
        raise DomainValidationError(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {names}. "
            f"Allowed: {allowed_names}.",
            errors={name: [f"Unknown parameter. Allowed: {allowed_names}."] for name in unknown},
        )


def query_params_parse(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Validate the query string with `serializer_class`; a bad value raises a 400 naming it, an
    unknown parameter a 400 naming the allowed ones."""
    allowed = tuple(serializer_class().fields)
    setattr(request, _ALLOWED_ATTRIBUTE, allowed)
    query_params_check(request, allowed)
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CommaListField(serializers.ListField):
    """A list given as a repeated parameter (`?a=1&a=2`), a comma list (`?a=1,2`), or both."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list | tuple) and all(isinstance(item, str) for item in data):
            data = [part.strip() for item in data for part in item.split(",") if part.strip()]
        return super().to_internal_value(data)


MAX_PAGE_SIZE = 200


def _whole_number(raw: str) -> int | None:
    """`raw` as a non-negative int, or None; ASCII digits only, bounded so `int()` stays cheap."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


class ApiPagination(PageNumberPagination):
    """`?page=N&page_size=M` (default 50, at most 200); a bad value is a 400, a page past the end a
    404. Answers `{"count", "next", "previous", "results"}`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if _whole_number(raw) is None or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list:
        raw = request.query_params.get(self.page_query_param, "1")
        number = _whole_number(raw)
        if number is None or number < 1:
            raise serializers.ValidationError({"page": ["Must be a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)


_paginated_serializers: dict[type, type[serializers.Serializer]] = {}


def paginated(item_serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The serializer of one page of `item_serializer` items, for the OpenAPI document."""
    if item_serializer not in _paginated_serializers:
        name = item_serializer.__name__.removesuffix("Serializer").removesuffix("Output")
        _paginated_serializers[item_serializer] = type(
            f"Paginated{name}ListSerializer",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item_serializer(many=True),
            },
        )
    return _paginated_serializers[item_serializer]


def paginate(
    request: Request,
    view: APIView,
    queryset: Any,
    serializer_class: type[serializers.Serializer],
) -> Response:
    """One page of `queryset`, serialized; runs a fixed number of queries (count + rows + the
    queryset's prefetches)."""
    query_params_check(request, getattr(request, _ALLOWED_ATTRIBUTE, ()))
    paginator = ApiPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERROR_RESPONSES = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


# --- The current user -----------------------------------------------------------------------------


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(help_text="Full name; may be empty.")
    email = serializers.EmailField(allow_blank=True)
    groups = serializers.ListField(child=serializers.CharField())
    can_view = serializers.BooleanField(help_text="May read incidents.")
    can_declare = serializers.BooleanField(help_text="May declare incidents.")
    can_respond = serializers.BooleanField(help_text="May act on incidents.")
    can_configure = serializers.BooleanField(help_text="May change services and settings.")


class MeApi(ApiView):
    @extend_schema(
        tags=["me"],
        summary="Who am I, and what may I do",
        responses={200: MeOutputSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "email": user.email,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "can_view": user.has_perm("incidents.view_incident"),
            "can_declare": user.has_perm("incidents.add_incident"),
            "can_respond": user.has_perm("incidents.respond_incident"),
            "can_configure": user.has_perm("incidents.change_service"),
        }
        return Response(MeOutputSerializer(data).data)
