from django.urls import path

from core.api import MeApi, MeTokenRotateApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("me/token/", MeTokenRotateApi.as_view(), name="api-me-token"),
]
