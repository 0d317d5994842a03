"""Browser pages of moderation (docs/moderation.md#screens)."""

from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("next/", views.next_item, name="next"),
    path("queues/<slug:slug>/", views.queue, name="queue"),
    path("queues/<slug:slug>/bulk/", views.queue_bulk, name="bulk"),
    path("queues/<slug:slug>/csv/", views.queue_csv, name="csv"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/decide/", views.item_decide, name="decide"),
    path("items/<int:item_id>/release/", views.item_release, name="release"),
    path("users/<str:external_id>/", views.user_record, name="user"),
    path("suspensions/", views.suspension_list, name="suspensions"),
    path("suspensions/<int:suspension_id>/lift/", views.suspension_lift, name="lift"),
    path("decisions/", views.decision_list, name="decisions"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="retry"),
]
