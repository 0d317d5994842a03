"""On-call routes, mounted at /oncall/: the browser UI and the iCal feeds."""

from django.urls import path

from oncall import views

app_name = "oncall"
urlpatterns = [
    path("", views.oncall_home, name="home"),
    path("schedules/<slug:slug>/", views.schedule_detail, name="schedule"),
    path("schedules/<slug:slug>/overrides/", views.override_add, name="override-add"),
    path(
        "schedules/<slug:slug>/overrides/<int:pk>/delete/",
        views.override_delete,
        name="override-delete",
    ),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_create, name="policy-new"),
    path("policies/<slug:slug>/", views.policy_detail, name="policy"),
    path("policies/<slug:slug>/levels/", views.level_add, name="level-add"),
    path("policies/<slug:slug>/levels/<int:pk>/", views.level_update, name="level-update"),
    path(
        "policies/<slug:slug>/levels/<int:pk>/move/<slug:direction>/",
        views.level_move,
        name="level-move",
    ),
    path("policies/<slug:slug>/levels/<int:pk>/delete/", views.level_delete, name="level-delete"),
    path("policies/<slug:slug>/levels/<int:pk>/targets/", views.target_add, name="target-add"),
    path(
        "policies/<slug:slug>/targets/<int:pk>/delete/",
        views.target_remove,
        name="target-remove",
    ),
    path("me/", views.my_oncall, name="me"),
    path("me/rules/", views.rule_add, name="rule-add"),
    path("me/rules/restore/", views.rules_restore, name="rules-restore"),
    path("me/rules/<int:pk>/", views.rule_update, name="rule-update"),
    path("me/rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("me/calendar/", views.calendar_rotate, name="calendar-rotate"),
    path("incidents/<int:number>/reassign/", views.incident_reassign, name="reassign"),
    path("incidents/<int:number>/page/", views.incident_page_responder, name="page-responder"),
    path("incidents/<int:number>/escalate/", views.incident_escalate_now, name="escalate-now"),
    path("ical/schedule/<str:token>.ics", views.schedule_ical, name="schedule-ical"),
    path("ical/user/<str:token>.ics", views.user_ical, name="user-ical"),
]
