from django.urls import path

from setup import views

app_name = "setup"

urlpatterns = [
    path("services/", views.service_list, name="services"),
    path("services/new/", views.service_new, name="service-new"),
    path("services/<slug:slug>/", views.service_edit, name="service"),
    path("services/<slug:slug>/maintenance/", views.service_maintenance, name="maintenance"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/invitations/<int:pk>/revoke/", views.invitation_revoke, name="revoke"),
    path("people/<int:pk>/role/", views.person_role, name="role"),
    path("people/<int:pk>/active/", views.person_active, name="active"),
    path("invite/<str:token>/", views.accept, name="accept"),
]
