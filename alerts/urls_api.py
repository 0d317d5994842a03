from django.urls import path

from alerts import api

INTEGRATION = "integrations/<int:pk>/"

urlpatterns = [
    path("integrations/", api.IntegrationListApi.as_view(), name="api-integration-list"),
    path(INTEGRATION, api.IntegrationDetailApi.as_view(), name="api-integration-detail"),
    path(
        f"{INTEGRATION}rotate-key/",
        api.IntegrationRotateKeyApi.as_view(),
        name="api-integration-rotate-key",
    ),
    path(
        f"{INTEGRATION}maintenance/",
        api.IntegrationMaintenanceApi.as_view(),
        name="api-integration-maintenance",
    ),
    path(
        f"{INTEGRATION}deliveries/",
        api.IntegrationDeliveriesApi.as_view(),
        name="api-integration-deliveries",
    ),
    path("alerts/", api.AlertListApi.as_view(), name="api-alert-list"),
    path(
        "incidents/<int:number>/alerts/",
        api.IncidentAlertsApi.as_view(),
        name="api-incident-alerts",
    ),
]
