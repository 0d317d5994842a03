from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
    path("selftest/", views.selftest_list, name="selftests"),
    path("selftest/<int:pk>/", views.selftest_detail, name="selftest"),
]
