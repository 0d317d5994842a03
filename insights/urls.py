"""Insights routes, mounted at /insights/."""

from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.insights_home, name="home"),
    path("<slug:slug>.csv", views.insights_csv, name="csv"),
]
