from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.my_account, name="me"),
    path("account/sessions/end/", views.my_sessions_end, name="me-sessions-end"),
    path("account/mfa/", views.mfa, name="mfa"),
    path("account/mfa/qr.svg", views.mfa_qr, name="mfa-qr"),
    path("account/mfa/confirm/", views.mfa_confirm, name="mfa-confirm"),
    path("account/mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("account/mfa/disable/", views.mfa_disable, name="mfa-disable"),
    path("security/", views.security_home, name="security"),
    path("security/audit/", views.audit_log, name="audit"),
    path("security/sessions/", views.sessions, name="sessions"),
    path("security/sessions/<int:pk>/end/", views.user_sessions_end, name="user-sessions-end"),
    path("security/lockouts/", views.lockouts, name="lockouts"),
    path("security/lockouts/<int:pk>/unlock/", views.lockout_clear, name="lockout-clear"),
]
