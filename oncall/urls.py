from django.urls import path

from oncall import views

app_name = "oncall"
urlpatterns = [
    path("ical/schedule/<str:token>.ics", views.schedule_ical, name="schedule-ical"),
    path("ical/user/<str:token>.ics", views.user_ical, name="user-ical"),
]
