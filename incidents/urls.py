"""Browser UI routes of the incident screens, mounted at the site root."""

from django.urls import path

from incidents.views import actions, board, declare, incident, listing

app_name = "incidents"

INCIDENT = "incidents/<int:number>/"

urlpatterns = [
    path("", board.board, name="board"),
    path("incidents/", listing.incident_list, name="list"),
    path("incidents/declare/", declare.declare, name="declare"),
    path(INCIDENT, incident.incident_detail, name="detail"),
    path(f"{INCIDENT}stamp/", incident.incident_stamp, name="stamp"),
    path(f"{INCIDENT}parts/<slug:region>/", incident.incident_region, name="region"),
    path(f"{INCIDENT}do/<slug:action>/", actions.incident_transition, name="transition"),
    path(f"{INCIDENT}severity/", actions.incident_severity, name="severity"),
    path(f"{INCIDENT}roles/assign/", actions.incident_role_assign, name="role_assign"),
    path(f"{INCIDENT}roles/unassign/", actions.incident_role_unassign, name="role_unassign"),
    path(f"{INCIDENT}notes/", actions.incident_note, name="note"),
    path(f"{INCIDENT}updates/", actions.incident_update_post, name="update"),
]
