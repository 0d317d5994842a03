from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.csp import csp_report
from accounts.oidc import OidcCallbackView, OidcSignInView
from accounts.signin_views import SignInView, admin_login, signin_verify
from core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("monitoring.urls")),
    path("admin/login/", admin_login),  # the admin signs in through Firebell's sign-in
    path("admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("slack/", include("integrations.slack.urls")),
    path("oncall/", include("oncall.urls")),
    path("insights/", include("insights.urls")),
    path("inbox/", include("integrations.inbox.urls")),
    path("", include("setup.urls")),
    path("moderation/", include("moderation.urls")),
    path("api/v1/", include("firebell.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its set-up script as a file (no inline script); its page keeps one inline
    # <style>, allowed there only. (Redoc is not served: it needs an inline script.)
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("csp-report/", csp_report, name="csp-report"),
    # Browser UI (issue 5): sign-in, then the incident board at the root.
    # Sign-in (accounts/signin_views.py): password, then a second factor for those who set it up.
    path("login/", SignInView.as_view(), name="login"),
    path("login/verify/", signin_verify, name="signin-verify"),
    path("oidc/authenticate/", OidcSignInView.as_view(), name="oidc-signin"),
    path("oidc/callback/", OidcCallbackView.as_view(), name="oidc-callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("ui/", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("alerts.urls")),
    path("", include("checks.urls")),
    path("", include("statuspage.urls")),
    path("", include("postmortems.urls")),
    path("", include("incidents.urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
