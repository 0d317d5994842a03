from django.urls import path

from oncall import api

SCHEDULE = "schedules/<slug:slug>/"

urlpatterns = [
    path("oncall/", api.OnCallApi.as_view(), name="api-oncall"),
    path("schedules/", api.ScheduleListApi.as_view(), name="api-schedule-list"),
    path(SCHEDULE, api.ScheduleDetailApi.as_view(), name="api-schedule-detail"),
    path(f"{SCHEDULE}rotations/", api.RotationListApi.as_view(), name="api-rotation-list"),
    path(f"{SCHEDULE}rotations/<int:pk>/", api.RotationDetailApi.as_view(), name="api-rotation"),
    path(f"{SCHEDULE}overrides/", api.OverrideListApi.as_view(), name="api-override-list"),
    path(f"{SCHEDULE}overrides/<int:pk>/", api.OverrideDetailApi.as_view(), name="api-override"),
]
