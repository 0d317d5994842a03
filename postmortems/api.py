"""REST API of post-mortems and action items (`/api/v1/…`). Each endpoint parses its input, asks a
selector (with the access check) and calls one service; errors take the API's one shape.

Responders write, viewers read (403 on writes), people outside every group get 404s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ApiView,
    CommaListField,
    ErrorSerializer,
    InputSerializer,
    QuerySerializer,
    paginate,
    paginated,
    query_params_parse,
)
from core.errors import NotFoundError, ValidationError
from incidents import selectors as incident_selectors
from incidents.models import Source
from postmortems import selectors, services
from postmortems.models import (
    ActionItem,
    ActionItemPriority,
    ActionItemStatus,
    Postmortem,
    PostmortemStatus,
)

TAG = "post-mortems"
ITEMS_TAG = "action items"
ERRORS = dict.fromkeys((400, 401, 403, 404, 409), ErrorSerializer)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _person(user: AbstractBaseUser | None) -> str | None:
    return None if user is None else user.get_username()


def _user(username: str, field: str) -> AbstractBaseUser:
    user = selectors.user_by_username(username)
    if user is None:
        raise ValidationError(
            f"{field}: no active user {username!r}.", errors={field: ["No such active user."]}
        )
    return user


# --- output ---------------------------------------------------------------------------------------


class PostmortemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident.number", help_text="Incident number.")
    title = serializers.CharField(source="incident.title")
    severity = serializers.CharField(source="incident.severity.name")
    status = serializers.ChoiceField(choices=PostmortemStatus.choices)
    owner = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    reopen_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    markdown_url = serializers.SerializerMethodField()

    def get_owner(self, obj: Postmortem) -> str | None:
        return _person(obj.owner)

    def get_url(self, obj: Postmortem) -> str:
        return f"/postmortems/{obj.pk}/"

    def get_markdown_url(self, obj: Postmortem) -> str:
        return f"/postmortems/{obj.pk}.md"


class SectionOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField(help_text="Markdown.")
    version = serializers.IntegerField(help_text="Send it back as base_version when saving.")
    updated_at = serializers.DateTimeField()
    updated_by = serializers.SerializerMethodField()

    def get_updated_by(self, obj) -> str | None:
        return _person(obj.updated_by)


class TimelineEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    text = serializers.CharField()
    who = serializers.CharField()
    is_key = serializers.BooleanField()
    hidden = serializers.BooleanField()
    source_event = serializers.IntegerField(
        source="source_event_id", allow_null=True, help_text="The incident's timeline event."
    )


class ReviewOutputSerializer(serializers.Serializer):
    reviewer = serializers.CharField(source="reviewer.username")
    decision = serializers.CharField()
    note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class PostmortemDetailOutputSerializer(PostmortemOutputSerializer):
    sections = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    @extend_schema_field(SectionOutputSerializer(many=True))
    def get_sections(self, obj: Postmortem) -> list:
        sections = selectors.postmortem_sections(postmortem=obj)
        return SectionOutputSerializer(sections, many=True).data

    @extend_schema_field(TimelineEntryOutputSerializer(many=True))
    def get_timeline(self, obj: Postmortem) -> list:
        entries = selectors.timeline_entries(postmortem=obj)
        return TimelineEntryOutputSerializer(entries, many=True).data

    @extend_schema_field(ReviewOutputSerializer(many=True))
    def get_reviews(self, obj: Postmortem) -> list:
        reviews = obj.reviews.select_related("reviewer")
        return ReviewOutputSerializer(reviews, many=True).data


def _detail(postmortem: Postmortem) -> dict:
    return PostmortemDetailOutputSerializer(postmortem).data


class ActionItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident.number")
    postmortem = serializers.IntegerField(source="postmortem_id", allow_null=True)
    title = serializers.CharField()
    owner = serializers.SerializerMethodField(help_text="Username; null: a former member.")
    due_date = serializers.DateField(allow_null=True)
    priority = serializers.ChoiceField(choices=ActionItemPriority.choices)
    status = serializers.ChoiceField(choices=ActionItemStatus.choices)
    ticket_url = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_owner(self, obj: ActionItem) -> str | None:
        return _person(obj.owner)


# --- post-mortems ---------------------------------------------------------------------------------


class PostmortemQuerySerializer(QuerySerializer):
    status = CommaListField(child=serializers.ChoiceField(PostmortemStatus.choices), required=False)
    severity = CommaListField(child=serializers.IntegerField(min_value=1), required=False)
    service = CommaListField(child=serializers.SlugField(), required=False)
    author = CommaListField(child=serializers.CharField(), required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(required=False, default="", max_length=200)


class PostmortemListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Post-mortems, newest first, filtered; `q` searches every section",
        operation_id="postmortems_list",
        parameters=[PostmortemQuerySerializer],
        responses={200: paginated(PostmortemOutputSerializer), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = query_params_parse(PostmortemQuerySerializer, request)
        filters = selectors.PostmortemFilters(
            statuses=tuple(query.get("status", ())),
            severity_ranks=tuple(query.get("severity", ())),
            service_slugs=tuple(query.get("service", ())),
            owner_usernames=tuple(query.get("author", ())),
            overdue=query["overdue"],
            text=query["q"],
        )
        rows = selectors.postmortem_list(user=request.user, filters=filters)
        return paginate(request, self, rows, PostmortemOutputSerializer)


class PostmortemCreateInputSerializer(InputSerializer):
    owner = serializers.CharField(required=False, help_text="Username; defaults to you.")


class IncidentPostmortemApi(ApiView):
    # Checked before the body is read (core.api.ApiView): no validation answers for outsiders.
    required_permissions = {"POST": (services.CREATE_PERMISSION, "start post-mortems")}

    @extend_schema(
        tags=[TAG],
        summary="The incident's post-mortem",
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def get(self, request: Request, number: int) -> Response:
        incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
        postmortem = selectors.postmortem_of_incident(incident=incident)
        if postmortem is None or not selectors.user_can_view(request.user):
            raise NotFoundError(f"Incident #{number} has no post-mortem.")
        return Response(_detail(postmortem))

    @extend_schema(
        tags=[TAG],
        summary="Start the incident's post-mortem (one per incident: 409 if it exists)",
        request=PostmortemCreateInputSerializer,
        responses={201: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, number: int) -> Response:
        incident = incident_selectors.incident_get_for_user(user=request.user, number=number)
        body = _body(PostmortemCreateInputSerializer, request)
        owner = _user(body["owner"], "owner") if body.get("owner") else None
        postmortem = services.postmortem_create(
            incident=incident, actor=request.user, source=Source.API, owner=owner
        )
        return Response(_detail(postmortem), status=status.HTTP_201_CREATED)


class PostmortemDetailApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="A post-mortem with its sections, curated timeline and reviews",
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(selectors.postmortem_get_for_user(user=request.user, pk=pk)))


class SectionInputSerializer(InputSerializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)
    base_version = serializers.IntegerField(
        min_value=1, help_text="The version you started from; 409 if someone saved since."
    )


class PostmortemSectionApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Save one section (optimistic: 409 if it changed since base_version)",
        request=SectionInputSerializer,
        responses={200: SectionOutputSerializer, **ERRORS},
    )
    def put(self, request: Request, pk: int, key: str) -> Response:
        postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
        section = selectors.section_get(postmortem=postmortem, key=key)
        body = _body(SectionInputSerializer, request)
        saved = services.section_save(section=section, actor=request.user, **body)
        return Response(SectionOutputSerializer(saved).data)


class SubmitInputSerializer(InputSerializer):
    reviewers = serializers.ListField(child=serializers.CharField(), min_length=1)


class ReviewInputSerializer(InputSerializer):
    decision = serializers.ChoiceField(choices=["approve", "request_changes"])
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)


class ReopenInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=500)


class EmptyInputSerializer(InputSerializer):
    """No arguments."""


class PostmortemSubmitApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Send for review to the named reviewers (usernames)",
        request=SubmitInputSerializer,
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
        body = _body(SubmitInputSerializer, request)
        reviewers = [_user(name, "reviewers") for name in body["reviewers"]]
        postmortem = services.postmortem_submit(
            postmortem=postmortem, actor=request.user, source=Source.API, reviewers=reviewers
        )
        return Response(_detail(postmortem))


class PostmortemReviewApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Approve, or request changes (a note is required; back to draft)",
        request=ReviewInputSerializer,
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
        body = _body(ReviewInputSerializer, request)
        services.postmortem_review_decide(
            postmortem=postmortem,
            actor=request.user,
            source=Source.API,
            approve=body["decision"] == "approve",
            note=body["note"],
        )
        return Response(_detail(selectors.postmortem_get_for_user(user=request.user, pk=pk)))


class PostmortemPublishApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Publish (needs an approval) and close the incident",
        request=EmptyInputSerializer,
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
        _body(EmptyInputSerializer, request)
        services.postmortem_publish(postmortem=postmortem, actor=request.user, source=Source.API)
        return Response(_detail(selectors.postmortem_get_for_user(user=request.user, pk=pk)))


class PostmortemReopenApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Reopen a published post-mortem for editing (the reason is recorded)",
        request=ReopenInputSerializer,
        responses={200: PostmortemDetailOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        postmortem = selectors.postmortem_get_for_user(user=request.user, pk=pk)
        body = _body(ReopenInputSerializer, request)
        services.postmortem_reopen(
            postmortem=postmortem, actor=request.user, source=Source.API, reason=body["reason"]
        )
        return Response(_detail(selectors.postmortem_get_for_user(user=request.user, pk=pk)))


# --- action items ---------------------------------------------------------------------------------


class ActionItemQuerySerializer(QuerySerializer):
    owner = CommaListField(child=serializers.CharField(), required=False)
    status = CommaListField(child=serializers.ChoiceField(ActionItemStatus.choices), required=False)
    service = CommaListField(child=serializers.SlugField(), required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    incident = serializers.IntegerField(required=False, min_value=1)
    postmortem = serializers.IntegerField(required=False, min_value=1)


class ActionItemCreateInputSerializer(InputSerializer):
    incident = serializers.IntegerField(min_value=1, help_text="Incident number.")
    title = serializers.CharField(max_length=200)
    owner = serializers.CharField(help_text="Username.")
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(ActionItemPriority.choices, required=False, default="medium")
    ticket_url = serializers.URLField(required=False, allow_blank=True, default="")


class ActionItemUpdateInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    owner = serializers.CharField(required=False, help_text="Username.")
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(ActionItemPriority.choices, required=False)
    status = serializers.ChoiceField(ActionItemStatus.choices, required=False)
    ticket_url = serializers.URLField(required=False, allow_blank=True)


class ActionItemListApi(ApiView):
    required_permissions = {"POST": ("postmortems.add_actionitem", "create action items")}

    @extend_schema(
        tags=[ITEMS_TAG],
        summary="Action items across all incidents (soonest due first), filtered",
        operation_id="action_items_list",
        parameters=[ActionItemQuerySerializer],
        responses={200: paginated(ActionItemOutputSerializer), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = query_params_parse(ActionItemQuerySerializer, request)
        filters = selectors.ActionItemFilters(
            owner_usernames=tuple(query.get("owner", ())),
            statuses=tuple(query.get("status", ())),
            service_slugs=tuple(query.get("service", ())),
            overdue=query["overdue"],
            incident_number=query.get("incident"),
            postmortem_id=query.get("postmortem"),
        )
        rows = selectors.action_item_list(user=request.user, filters=filters)
        return paginate(request, self, rows, ActionItemOutputSerializer)

    @extend_schema(
        tags=[ITEMS_TAG],
        summary="Create an action item (a follow-up of an incident, on its post-mortem if any)",
        request=ActionItemCreateInputSerializer,
        responses={201: ActionItemOutputSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = _body(ActionItemCreateInputSerializer, request)
        incident = incident_selectors.incident_get_for_user(
            user=request.user, number=body.pop("incident")
        )
        body["owner"] = _user(body["owner"], "owner")
        item = services.action_item_create(incident=incident, actor=request.user, **body)
        return Response(ActionItemOutputSerializer(item).data, status=status.HTTP_201_CREATED)


class ActionItemDetailApi(ApiView):
    @extend_schema(
        tags=[ITEMS_TAG],
        summary="An action item",
        responses={200: ActionItemOutputSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        item = selectors.action_item_get_for_user(user=request.user, pk=pk)
        return Response(ActionItemOutputSerializer(item).data)

    @extend_schema(
        tags=[ITEMS_TAG],
        summary="Change an action item (any of its fields)",
        request=ActionItemUpdateInputSerializer,
        responses={200: ActionItemOutputSerializer, **ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        item = selectors.action_item_get_for_user(user=request.user, pk=pk)
        body = _body(ActionItemUpdateInputSerializer, request)
        if "owner" in body:
            body["owner"] = _user(body["owner"], "owner")
        item = services.action_item_update(item=item, actor=request.user, **body)
        return Response(ActionItemOutputSerializer(item).data)
