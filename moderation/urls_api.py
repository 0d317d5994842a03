from django.urls import path

from moderation import api

PREFIX = "moderation/"

urlpatterns = [
    path(f"{PREFIX}reports/", api.ReportIntakeApi.as_view(), name="api-moderation-reports"),
    path(f"{PREFIX}appeals/", api.AppealIntakeApi.as_view(), name="api-moderation-appeals"),
]
