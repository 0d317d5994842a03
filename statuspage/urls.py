"""The public status page (no sign-in) and the incident page's publish/update actions."""

from django.urls import path

from statuspage import manage, views

app_name = "statuspage"

urlpatterns = [
    path("status/", views.status_page, name="page"),
    path("status/feed.atom", views.status_atom, name="atom"),
    path("status/feed.rss", views.status_rss, name="rss"),
    path("status/api/summary.json", views.status_summary_json, name="summary"),
    path("status/subscribe", views.subscribe, name="subscribe"),
    path("status/subscribe/confirm/<str:token>", views.confirm, name="confirm"),
    path("status/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("status/manage/", manage.manage, name="manage"),
    path("status/manage/components/<int:pk>/state/", manage.component_state, name="state"),
    path("incidents/<int:number>/status-page/publish/", views.publish, name="publish"),
    path("incidents/<int:number>/status-page/update/", views.update, name="update"),
]
