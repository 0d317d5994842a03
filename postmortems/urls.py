"""Post-mortem routes: /postmortems/… and the incident page's actions under /incidents/<n>/."""

from django.urls import path

from postmortems import views

app_name = "postmortems"
urlpatterns = [
    path("postmortems/", views.postmortem_list, name="list"),
    path("postmortems/actions/", views.action_item_list, name="actions"),
    path("postmortems/actions/<int:item_pk>/status/", views.action_item_status, name="item-status"),
    path("postmortems/<int:pk>/", views.postmortem_detail, name="detail"),
    path("postmortems/<int:pk>.md", views.postmortem_markdown_download, name="markdown"),
    path("postmortems/<int:pk>/print/", views.postmortem_print, name="print"),
    path("postmortems/<int:pk>/sections/<slug:key>/", views.section_save, name="section"),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/preview/",
        views.section_preview,
        name="preview",
    ),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/comments/",
        views.section_comment,
        name="comment",
    ),
    path("postmortems/<int:pk>/timeline/", views.timeline_entry_add, name="timeline-add"),
    path("postmortems/<int:pk>/timeline/refresh/", views.timeline_refresh, name="timeline-refresh"),
    path(
        "postmortems/<int:pk>/timeline/<int:entry_pk>/",
        views.timeline_entry_update,
        name="timeline-entry",
    ),
    path("postmortems/<int:pk>/submit/", views.postmortem_submit, name="submit"),
    path("postmortems/<int:pk>/review/", views.postmortem_review, name="review"),
    path("postmortems/<int:pk>/publish/", views.postmortem_publish, name="publish"),
    path("postmortems/<int:pk>/reopen/", views.postmortem_reopen, name="reopen"),
    path("postmortems/<int:pk>/owner/", views.postmortem_owner, name="owner"),
    path("postmortems/<int:pk>/actions/", views.postmortem_action_add, name="action-add"),
    path("incidents/<int:number>/postmortem/start/", views.postmortem_start, name="start"),
    path("incidents/<int:number>/follow-up/", views.incident_follow_up, name="follow-up"),
]
