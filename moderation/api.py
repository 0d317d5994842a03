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

from core.api import ERROR_RESPONSES, ApiView, ErrorSerializer, InputSerializer
from moderation.models import Category
from moderation.services import intake

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
    status = serializers.ChoiceField(choices=["accepted", "duplicate"])


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
