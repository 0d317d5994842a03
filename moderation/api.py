"""The moderation REST API (`/api/v1/moderation/`): thin views around moderation.services and
moderation.selectors.

Intake (`reports/`, `appeals/`) needs `moderation.add_report` (the Moderation intake group: the
platform's service account; moderators and admins too). Everything else needs moderation
permissions: reading `moderation.view_item`, acting `moderation.moderate_item`.
"""

from __future__ import annotations

from typing import Any

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
    query_params_check,
    query_params_parse,
)
from moderation import selectors
from moderation.models import Action, Category
from moderation.services import claims, decisions, deliveries, intake, suspensions
from moderation.services.common import MODERATE_PERMISSION, REPORT_PERMISSION
from moderation.services.decisions import DecisionTerms

TAG = "moderation"
WRITE_ERRORS = {**ERROR_RESPONSES, 409: ErrorSerializer}
CATEGORY_HELP = "One of: " + ", ".join(Category.values) + "."


class ReportInputSerializer(InputSerializer):
    report_id = serializers.CharField(
        max_length=120, help_text="The platform's id of this report; resending it is a no-op."
    )
    content_type = serializers.CharField(max_length=40, help_text="e.g. post, comment, image.")
    content_id = serializers.CharField(max_length=200)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")
    excerpt = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    media_urls = serializers.ListField(
        child=serializers.URLField(max_length=1000), max_length=20, required=False, default=list
    )
    user_id = serializers.CharField(max_length=120, help_text="The reported user's id.")
    user_display_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    reporter_id = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=Category.choices, help_text=CATEGORY_HELP)
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def to_report(self) -> intake.ReportInput:
        return _report(self.validated_data)


def _report(data: dict[str, Any]) -> intake.ReportInput:
    return intake.ReportInput(**{**data, "media_urls": tuple(data["media_urls"])})


class ReportBatchInputSerializer(InputSerializer):
    reports = ReportInputSerializer(many=True, max_length=intake.MAX_BATCH, allow_empty=False)


class ReportResultSerializer(serializers.Serializer):
    report_id = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text="accepted or duplicate.")


class IntakeOutputSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    results = ReportResultSerializer(many=True)


def _intake_answer(result: intake.IntakeResult) -> Response:
    results = [
        {"report_id": rid, "item_id": item_id, "status": "accepted"}
        for rid, item_id in result.accepted
    ] + [
        {"report_id": rid, "item_id": item_id, "status": "duplicate"}
        for rid, item_id in result.duplicates
    ]
    body = {
        "accepted": len(result.accepted),
        "duplicates": len(result.duplicates),
        "results": results,
    }
    return Response(body, status=status.HTTP_201_CREATED if result.accepted else status.HTTP_200_OK)


class ReportIntakeApi(ApiView):
    required_permissions = {"POST": (REPORT_PERMISSION, "submit moderation reports")}
    required_permissions = {"POST": (REPORT_PERMISSION, "submit moderation reports")}

    @extend_schema(
        tags=[TAG],
        summary="Report content (one report, or a batch of up to 500)",
        description='Send one report object, or `{"reports": [...]}` with up to 500. Reports '
        "about the same content fold into one open item; a report id seen before, or the same "
        "reporter reporting the same item again, is a duplicate and changes nothing. 201 when "
        "anything was accepted, 200 when all were duplicates.",
        request=ReportBatchInputSerializer,
        responses={201: IntakeOutputSerializer, 200: IntakeOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "reports" in request.data:
            batch = ReportBatchInputSerializer(data=request.data)
            batch.is_valid(raise_exception=True)
            reports = [_report(data) for data in batch.validated_data["reports"]]
        else:
            single = ReportInputSerializer(data=request.data)
            single.is_valid(raise_exception=True)
            reports = [single.to_report()]
        return _intake_answer(intake.reports_ingest(reports=reports, actor=request.user))


class AppealInputSerializer(InputSerializer):
    decision_id = serializers.IntegerField(help_text="The decision being appealed.")
    appeal_id = serializers.CharField(max_length=120, help_text="The platform's id of the appeal.")
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class AppealOutputSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    created = serializers.BooleanField()


class AppealIntakeApi(ApiView):
    required_permissions = {"POST": (REPORT_PERMISSION, "submit moderation reports")}
    required_permissions = {"POST": (REPORT_PERMISSION, "submit appeals")}

    @extend_schema(
        tags=[TAG],
        summary="Appeal a decision",
        description="Opens an appeal item linked to the decision, decided by a moderator other "
        "than the one who decided. Sending it again while it is open returns the same item.",
        request=AppealInputSerializer,
        responses={201: AppealOutputSerializer, 200: AppealOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = AppealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = intake.decision_for_appeal(data.validated_data["decision_id"])
        item, created = intake.appeal_create(
            decision=decision,
            appeal_id=data.validated_data["appeal_id"],
            text=data.validated_data["text"],
            actor=request.user,
        )
        return Response(
            {"item_id": item.pk, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Items, claims and decisions -------------------------------------------------------------


class ModerationItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    status = serializers.CharField()
    queue = serializers.CharField(source="queue.slug")
    content_type = serializers.CharField()
    content_id = serializers.CharField()
    url = serializers.CharField()
    excerpt = serializers.CharField()
    media_urls = serializers.ListField(child=serializers.CharField())
    user_id = serializers.CharField(source="user.external_id")
    user_display_name = serializers.CharField(source="user.display_name")
    category = serializers.CharField()
    report_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    claimed_by = serializers.CharField(source="claimed_by.username", allow_null=True, default=None)
    claimed_until = serializers.DateTimeField(allow_null=True)
    appeal_of = serializers.IntegerField(source="appeal_of_id", allow_null=True)
    incident = serializers.IntegerField(source="incident.number", allow_null=True, default=None)


class ItemListQuery(QuerySerializer):
    queue = serializers.SlugField(required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    content_type = serializers.CharField(required=False)
    user_id = serializers.CharField(required=False)


class ItemListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Open items of a queue, in priority order",
        operation_id="moderation_items_list",
        parameters=[ItemListQuery],
        responses={200: paginated(ModerationItemOutputSerializer), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = query_params_parse(ItemListQuery, request)
        if query.get("queue"):
            queues = [selectors.queue_get_for_user(request.user, query["queue"])]
        else:
            queues = selectors.queues_for_user(request.user)
        filters = selectors.ItemFilters(
            category=query.get("category", ""),
            content_type=query.get("content_type", ""),
            user_id=query.get("user_id", ""),
        )
        items = selectors.items_matching(queues, filters).select_related(
            "user", "claimed_by", "queue", "incident"
        )
        return paginate(request, self, items, ModerationItemOutputSerializer)


class ItemDetailApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="One item",
        responses={200: ModerationItemOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, item_id: int) -> Response:
        return Response(
            ModerationItemOutputSerializer(selectors.item_get_for_user(request.user, item_id)).data
        )


class ItemClaimApi(ApiView):
    required_permissions = {
        "POST": (MODERATE_PERMISSION, "review moderation items"),
        "DELETE": (MODERATE_PERMISSION, "review moderation items"),
    }

    @extend_schema(
        tags=[TAG],
        summary="Claim an item (or extend your claim)",
        request=None,
        responses={200: ModerationItemOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = selectors.item_get_for_user(request.user, item_id)
        return Response(
            ModerationItemOutputSerializer(claims.item_claim(item=item, actor=request.user)).data
        )

    @extend_schema(
        tags=[TAG],
        summary="Release your claim",
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, item_id: int) -> Response:
        item = selectors.item_get_for_user(request.user, item_id)
        claims.item_release(item=item, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NextItemInputSerializer(InputSerializer):
    queue = serializers.SlugField(required=False)


class ItemNextApi(ApiView):
    required_permissions = {"POST": (MODERATE_PERMISSION, "decide moderation items")}
    required_permissions = {"POST": (MODERATE_PERMISSION, "review moderation items")}

    @extend_schema(
        tags=[TAG],
        summary="Claim the next item",
        description="The highest-priority unclaimed open item of the queue (or of "
        "every queue you review); two moderators asking at once get different items. "
        "204 when there is none.",
        request=NextItemInputSerializer,
        responses={200: ModerationItemOutputSerializer, 204: None, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = NextItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("queue"):
            queues = [selectors.queue_get_for_user(request.user, data.validated_data["queue"])]
        else:
            queues = selectors.queues_for_user(request.user)
        item = claims.item_claim_next(actor=request.user, queue_ids=[q.pk for q in queues])
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ModerationItemOutputSerializer(item).data)


class DecisionInputSerializer(InputSerializer):
    action = serializers.ChoiceField(choices=Action.choices)
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    policy = serializers.SlugField(
        required=False, allow_blank=True, default="", help_text="A policy slug; required to remove."
    )
    message = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="To the user; required to warn.",
    )
    internal_note = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=3650
    )
    permanent = serializers.BooleanField(required=False, default=False)

    def validate_policy(self, value: str) -> str:
        if value and selectors.policy_by_slug(value) is None:
            raise serializers.ValidationError(f"Unknown policy {value!r}.")
        return value

    def terms(self) -> DecisionTerms:
        data = self.validated_data
        return DecisionTerms(
            action=data["action"],
            reason=data["reason"],
            policy=selectors.policy_by_slug(data["policy"]),
            message=data["message"],
            internal_note=data["internal_note"],
            days=data["days"],
            permanent=data["permanent"],
        )


class ModerationDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    item_id = serializers.IntegerField()
    action = serializers.CharField()
    reason = serializers.CharField()
    policy = serializers.CharField(source="policy.slug", allow_null=True, default=None)
    message = serializers.CharField()
    internal_note = serializers.CharField()
    duration_days = serializers.IntegerField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by_name")
    decided_at = serializers.DateTimeField()
    source = serializers.CharField()
    incident = serializers.IntegerField(source="incident.number", allow_null=True, default=None)
    reversed_at = serializers.DateTimeField(allow_null=True)


class ItemDecideApi(ApiView):
    required_permissions = {"POST": (MODERATE_PERMISSION, "decide moderation items")}

    @extend_schema(
        tags=[TAG],
        summary="Decide an item",
        description="approve; remove (reason, policy); warn (message); suspend "
        "(reason, days or permanent, internal_note); escalate (opens an incident); "
        "uphold/overturn on appeals (reason; not by the moderator who decided).",
        request=DecisionInputSerializer,
        responses={201: ModerationDecisionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = selectors.item_get_for_user(request.user, item_id)
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = decisions.item_decide(
            item=item, actor=request.user, terms=data.terms(), source="api"
        )
        return Response(
            ModerationDecisionOutputSerializer(decision).data, status=status.HTTP_201_CREATED
        )


class BulkDecisionInputSerializer(DecisionInputSerializer):
    item_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=decisions.BULK_LIMIT
    )


class BulkOutputSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.DictField())


class BulkDecideApi(ApiView):
    required_permissions = {"POST": (MODERATE_PERMISSION, "decide moderation items")}

    @extend_schema(
        tags=[TAG],
        summary="Decide up to 500 items in one transaction",
        request=BulkDecisionInputSerializer,
        responses={200: BulkOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        selectors.require_view(request.user)
        data = BulkDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = decisions.items_decide_bulk(
            item_ids=data.validated_data["item_ids"],
            actor=request.user,
            terms=data.terms(),
            source="api",
        )
        return Response(
            {
                "changed": result.changed,
                "skipped": [{"item_id": pk, "reason": why} for pk, why in result.skipped],
            }
        )


class DecisionListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="The latest decisions (newest first)",
        responses={200: ModerationDecisionOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.decisions_recent(request.user)
        return Response(ModerationDecisionOutputSerializer(rows, many=True).data)


# --- Suspensions and deliveries --------------------------------------------------------------


class ModerationSuspensionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    user_id = serializers.CharField(source="user.external_id")
    reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    permanent = serializers.BooleanField()
    decision_id = serializers.IntegerField(allow_null=True)
    lifted_at = serializers.DateTimeField(allow_null=True)
    lift_reason = serializers.CharField()


class SuspensionListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Active suspensions",
        responses={200: ModerationSuspensionOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.suspensions_active(request.user)
        return Response(ModerationSuspensionOutputSerializer(rows, many=True).data)


class LiftInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=4000)


class SuspensionLiftApi(ApiView):
    required_permissions = {"POST": (MODERATE_PERMISSION, "decide moderation items")}

    @extend_schema(
        tags=[TAG],
        summary="Lift a suspension (with a reason)",
        request=LiftInputSerializer,
        responses={200: ModerationSuspensionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, suspension_id: int) -> Response:
        suspension = selectors.suspension_get_for_user(request.user, suspension_id)
        data = LiftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lifted = suspensions.suspension_lift(
            suspension=suspension, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ModerationSuspensionOutputSerializer(lifted).data)


class ModerationDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    event = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    item_id = serializers.IntegerField(allow_null=True)
    decision_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()


class DeliveryListApi(ApiView):
    @extend_schema(
        tags=[TAG],
        summary="Webhook deliveries (newest first)",
        responses={200: ModerationDeliveryOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query_params_check(request, ("status",))
        rows = selectors.deliveries_recent(
            request.user, status=request.query_params.get("status", "")
        )
        return Response(ModerationDeliveryOutputSerializer(rows, many=True).data)


class DeliveryRetryApi(ApiView):
    required_permissions = {"POST": (MODERATE_PERMISSION, "decide moderation items")}

    @extend_schema(
        tags=[TAG],
        summary="Send a delivery again now",
        request=None,
        responses={200: ModerationDeliveryOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = selectors.delivery_get_for_user(request.user, delivery_id)
        retried = deliveries.delivery_retry(delivery=delivery, actor=request.user)
        return Response(ModerationDeliveryOutputSerializer(retried).data)
