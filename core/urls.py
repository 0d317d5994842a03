"""The browser UI's shared routes (the top bar), mounted at /ui/."""

from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("topbar/<slug:name>/", views.topbar_item, name="topbar_item"),
]
