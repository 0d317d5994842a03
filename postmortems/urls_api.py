from django.urls import path

from postmortems import api

urlpatterns = [
    path(
        "incidents/<int:number>/postmortem/",
        api.IncidentPostmortemApi.as_view(),
        name="api-incident-postmortem",
    ),
    path("postmortems/", api.PostmortemListApi.as_view(), name="api-postmortem-list"),
    path("postmortems/<int:pk>/", api.PostmortemDetailApi.as_view(), name="api-postmortem-detail"),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/",
        api.PostmortemSectionApi.as_view(),
        name="api-postmortem-section",
    ),
    path(
        "postmortems/<int:pk>/submit/",
        api.PostmortemSubmitApi.as_view(),
        name="api-postmortem-submit",
    ),
    path(
        "postmortems/<int:pk>/review/",
        api.PostmortemReviewApi.as_view(),
        name="api-postmortem-review",
    ),
    path(
        "postmortems/<int:pk>/publish/",
        api.PostmortemPublishApi.as_view(),
        name="api-postmortem-publish",
    ),
    path(
        "postmortems/<int:pk>/reopen/",
        api.PostmortemReopenApi.as_view(),
        name="api-postmortem-reopen",
    ),
    path("action-items/", api.ActionItemListApi.as_view(), name="api-action-item-list"),
    path(
        "action-items/<int:pk>/", api.ActionItemDetailApi.as_view(), name="api-action-item-detail"
    ),
]
