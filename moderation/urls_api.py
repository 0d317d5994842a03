from django.urls import path

from moderation import api

P = "moderation/"
ITEM = f"{P}items/<int:item_id>/"

urlpatterns = [
    path(f"{P}reports/", api.ReportIntakeApi.as_view(), name="api-moderation-reports"),
    path(f"{P}appeals/", api.AppealIntakeApi.as_view(), name="api-moderation-appeals"),
    path(f"{P}items/", api.ItemListApi.as_view(), name="api-moderation-items"),
    path(f"{P}items/next/", api.ItemNextApi.as_view(), name="api-moderation-next"),
    path(ITEM, api.ItemDetailApi.as_view(), name="api-moderation-item"),
    path(f"{ITEM}claim/", api.ItemClaimApi.as_view(), name="api-moderation-claim"),
    path(f"{ITEM}decisions/", api.ItemDecideApi.as_view(), name="api-moderation-decide"),
    path(f"{P}decisions/", api.DecisionListApi.as_view(), name="api-moderation-decisions"),
    path(f"{P}decisions/bulk/", api.BulkDecideApi.as_view(), name="api-moderation-bulk"),
    path(f"{P}suspensions/", api.SuspensionListApi.as_view(), name="api-moderation-suspensions"),
    path(
        f"{P}suspensions/<int:suspension_id>/lift/",
        api.SuspensionLiftApi.as_view(),
        name="api-moderation-lift",
    ),
    path(f"{P}deliveries/", api.DeliveryListApi.as_view(), name="api-moderation-deliveries"),
    path(
        f"{P}deliveries/<int:delivery_id>/retry/",
        api.DeliveryRetryApi.as_view(),
        name="api-moderation-retry",
    ),
]
