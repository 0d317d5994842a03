"""Test URLconf: the project's routes plus the on-call feeds (until firebell/urls.py includes
`path("oncall/", include("oncall.urls"))`)."""

from django.urls import include, path

from firebell.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("oncall/", include("oncall.urls"))]
