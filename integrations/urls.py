from django.urls import re_path

from integrations import views

# Alertmanager posts to the URL exactly as configured and follows no redirect, so every hook
# answers with and without a trailing slash. The key is in the URL, or (better: access logs never
# see it) in `Authorization: Bearer <key>` to the URL without it.
urlpatterns = [
    re_path(
        r"^hooks/(?P<kind>alertmanager|grafana|generic)(?:/(?P<key>[^/]+))?/?$",
        views.alert_hook,
        name="alert-hook",
    ),
    re_path(r"^v2/enqueue/?$", views.pagerduty_enqueue, name="pagerduty-enqueue"),
    re_path(
        r"^v2/change/enqueue/?$",
        views.pagerduty_enqueue,
        {"change": True},
        name="pagerduty-change-enqueue",
    ),
]
