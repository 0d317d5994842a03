"""Browser UI routes, mounted at the site root."""

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.board, name="board"),
    path("counts/", views.open_counts, name="counts"),
    path("oncall-line/", views.oncall_line, name="oncall_line"),
    path("incidents/", views.incident_list, name="list"),
    path("incidents/declare/", views.declare, name="declare"),
    path("incidents/<int:number>/", views.incident_detail, name="detail"),
    path("incidents/<int:number>/stamp/", views.incident_stamp, name="stamp"),
    path("incidents/<int:number>/parts/<slug:region>/", views.incident_region, name="region"),
    path(
        "incidents/<int:number>/do/<slug:action>/",
        views.incident_transition,
        name="transition",
    ),
    path("incidents/<int:number>/severity/", views.incident_severity, name="severity"),
    path("incidents/<int:number>/roles/assign/", views.incident_role_assign, name="role_assign"),
    path(
        "incidents/<int:number>/roles/unassign/",
        views.incident_role_unassign,
        name="role_unassign",
    ),
    path("incidents/<int:number>/notes/", views.incident_note, name="note"),
    path("incidents/<int:number>/updates/", views.incident_update_post, name="update"),
]
