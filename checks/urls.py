"""Browser pages of health checks and the public ping endpoints."""

from django.urls import path, re_path

from checks import views

app_name = "checks"

urlpatterns = [
    path("checks/", views.check_list, name="list"),
    path("checks/<int:pk>/", views.check_detail, name="detail"),
    path("checks/<int:pk>/edit/", views.check_edit, name="edit"),
    path("checks/<int:pk>/pause/", views.check_pause, name="pause"),
    path("checks/<int:pk>/resume/", views.check_resume, name="resume"),
    path("checks/<int:pk>/delete/", views.check_delete, name="delete"),
    # Pings: with or without a trailing slash (cron one-liners are typed by hand).
    re_path(r"^ping/(?P<check_uuid>[0-9a-f-]{36})/?$", views.ping, {"kind": "ping"}, name="ping"),
    re_path(
        r"^ping/(?P<check_uuid>[0-9a-f-]{36})/(?P<kind>start|fail)/?$", views.ping, name="ping_kind"
    ),
]
