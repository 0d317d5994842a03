"""Browser pages of alert intake: the integrations list and each integration's page."""

from django.urls import path

from alerts import views

app_name = "alerts"

INTEGRATION = "integrations/<int:pk>/"

urlpatterns = [
    path("integrations/", views.integration_list, name="integrations"),
    path(INTEGRATION, views.integration_detail, name="integration"),
    path(f"{INTEGRATION}parts/<slug:region>/", views.integration_region, name="region"),
    path(f"{INTEGRATION}rotate-key/", views.integration_rotate_key, name="rotate_key"),
    path(f"{INTEGRATION}enabled/", views.integration_enabled, name="enabled"),
    path(f"{INTEGRATION}maintenance/", views.integration_maintenance, name="maintenance"),
    path(f"{INTEGRATION}settings/", views.integration_settings, name="settings"),
]
