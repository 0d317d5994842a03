"""On-call routes, mounted at /oncall/: the browser UI and the iCal feeds."""

from django.urls import path

from oncall.views import ical, incident, me, policies, schedules, setup

app_name = "oncall"
urlpatterns = [
    path("", schedules.oncall_home, name="home"),
    path("schedules/new/", setup.schedule_new, name="schedule-new"),
    path("schedules/<slug:slug>/", schedules.schedule_detail, name="schedule"),
    path("schedules/<slug:slug>/layers/", setup.rotation_add, name="rotation-add"),
    path("schedules/<slug:slug>/layers/<int:pk>/", setup.rotation_update, name="rotation-update"),
    path(
        "schedules/<slug:slug>/layers/<int:pk>/delete/",
        setup.rotation_delete,
        name="rotation-delete",
    ),
    path("schedules/<slug:slug>/swaps/", setup.swap_request, name="swap-request"),
    path("schedules/<slug:slug>/swaps/<int:pk>/accept/", setup.swap_accept, name="swap-accept"),
    path("schedules/<slug:slug>/swaps/<int:pk>/decline/", setup.swap_decline, name="swap-decline"),
    path("schedules/<slug:slug>/overrides/", schedules.override_add, name="override-add"),
    path(
        "schedules/<slug:slug>/overrides/<int:pk>/delete/",
        schedules.override_delete,
        name="override-delete",
    ),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/new/", policies.policy_create, name="policy-new"),
    path("policies/<slug:slug>/", policies.policy_detail, name="policy"),
    path("policies/<slug:slug>/levels/", policies.level_add, name="level-add"),
    path("policies/<slug:slug>/levels/<int:pk>/", policies.level_update, name="level-update"),
    path(
        "policies/<slug:slug>/levels/<int:pk>/move/<slug:direction>/",
        policies.level_move,
        name="level-move",
    ),
    path(
        "policies/<slug:slug>/levels/<int:pk>/delete/", policies.level_delete, name="level-delete"
    ),
    path("policies/<slug:slug>/levels/<int:pk>/targets/", policies.target_add, name="target-add"),
    path(
        "policies/<slug:slug>/targets/<int:pk>/delete/",
        policies.target_remove,
        name="target-remove",
    ),
    path("me/", me.my_oncall, name="me"),
    path("me/rules/", me.rule_add, name="rule-add"),
    path("me/rules/restore/", me.rules_restore, name="rules-restore"),
    path("me/rules/<int:pk>/", me.rule_update, name="rule-update"),
    path("me/rules/<int:pk>/delete/", me.rule_delete, name="rule-delete"),
    path("me/calendar/", me.calendar_rotate, name="calendar-rotate"),
    path("incidents/<int:number>/reassign/", incident.incident_reassign, name="reassign"),
    path("incidents/<int:number>/page/", incident.incident_page_responder, name="page-responder"),
    path("incidents/<int:number>/escalate/", incident.incident_escalate_now, name="escalate-now"),
    path("ical/schedule/<str:token>.ics", ical.schedule_ical, name="schedule-ical"),
    path("ical/user/<str:token>.ics", ical.user_ical, name="user-ical"),
]
