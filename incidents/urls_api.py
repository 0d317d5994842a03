from django.urls import path

from incidents.api import actions, catalog, incidents

INCIDENT = "incidents/<int:number>/"

urlpatterns = [
    path("incidents/", incidents.IncidentListApi.as_view(), name="api-incident-list"),
    path(INCIDENT, incidents.IncidentDetailApi.as_view(), name="api-incident-detail"),
    path(
        f"{INCIDENT}timeline/",
        incidents.IncidentTimelineApi.as_view(),
        name="api-incident-timeline",
    ),
    path(
        f"{INCIDENT}updates/draft/",
        incidents.StakeholderUpdateDraftApi.as_view(),
        name="api-incident-update-draft",
    ),
    path(
        f"{INCIDENT}acknowledge/",
        actions.IncidentAcknowledgeApi.as_view(),
        name="api-incident-acknowledge",
    ),
    path(
        f"{INCIDENT}mitigate/", actions.IncidentMitigateApi.as_view(), name="api-incident-mitigate"
    ),
    path(f"{INCIDENT}resolve/", actions.IncidentResolveApi.as_view(), name="api-incident-resolve"),
    path(f"{INCIDENT}close/", actions.IncidentCloseApi.as_view(), name="api-incident-close"),
    path(f"{INCIDENT}reopen/", actions.IncidentReopenApi.as_view(), name="api-incident-reopen"),
    path(
        f"{INCIDENT}severity/", actions.IncidentSeverityApi.as_view(), name="api-incident-severity"
    ),
    path(f"{INCIDENT}roles/", actions.IncidentRoleAssignApi.as_view(), name="api-incident-roles"),
    path(
        f"{INCIDENT}roles/<slug:role>/",
        actions.IncidentRoleUnassignApi.as_view(),
        name="api-incident-role",
    ),
    path(f"{INCIDENT}notes/", actions.IncidentNoteAddApi.as_view(), name="api-incident-notes"),
    path(
        f"{INCIDENT}updates/",
        actions.StakeholderUpdatePostApi.as_view(),
        name="api-incident-updates",
    ),
    path("services/", catalog.ServiceListApi.as_view(), name="api-service-list"),
    path("services/<slug:slug>/", catalog.ServiceDetailApi.as_view(), name="api-service-detail"),
    path("severities/", catalog.SeverityListApi.as_view(), name="api-severity-list"),
    path("roles/", catalog.RoleListApi.as_view(), name="api-role-list"),
]
