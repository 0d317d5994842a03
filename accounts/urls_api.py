from django.urls import path

from accounts.api import MeTokenRotateApi

urlpatterns = [
    path("me/token/", MeTokenRotateApi.as_view(), name="api-me-token"),
]
