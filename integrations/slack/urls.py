from django.urls import path

from integrations.slack import views

app_name = "slack"

urlpatterns = [
    path("commands", views.slack_commands, name="commands"),
    path("interactions", views.slack_interactions, name="interactions"),
    path("events", views.slack_events, name="events"),
    path("link/", views.slack_link, name="link"),
]
