from django.urls import include, path

urlpatterns = [
    path("", include("core.urls_api")),
    path("", include("accounts.urls_api")),
    path("", include("incidents.urls_api")),
    path("", include("postmortems.urls_api")),
    path("", include("alerts.urls_api")),
    path("", include("checks.urls_api")),
    path("", include("oncall.urls_api")),
    path("", include("moderation.urls_api")),
]
