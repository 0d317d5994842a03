from django.urls import path

from checks import api

CHECK = "checks/<int:pk>/"

urlpatterns = [
    path("checks/", api.CheckListApi.as_view(), name="api-check-list"),
    path(CHECK, api.CheckDetailApi.as_view(), name="api-check-detail"),
    path(f"{CHECK}pause/", api.CheckPauseApi.as_view(), name="api-check-pause"),
    path(f"{CHECK}resume/", api.CheckResumeApi.as_view(), name="api-check-resume"),
]
