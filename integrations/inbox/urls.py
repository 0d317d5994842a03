from django.urls import path

from integrations.inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read-all"),
    path("<int:pk>/acknowledge/", views.message_acknowledge, name="acknowledge"),
    path("<int:pk>/read/", views.message_read, name="read"),
]
