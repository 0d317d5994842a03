from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/lockouts/<int:pk>/unlock/", views.lockout_clear, name="lockout-clear"),
]
