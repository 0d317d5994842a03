"""`/metrics` for Prometheus: allowed by bearer token or from the allowed networks."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.ui import form_error, render_page, screen_response, ui_view
from monitoring import selectors, services
from monitoring.forms import SelfTestForm
from monitoring.metrics import metrics_text

# What generate_latest() writes (prometheus_client's CONTENT_TYPE_LATEST names a newer version).
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.FIREBELL_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.FIREBELL_METRICS_ALLOWED_NETWORKS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            "forbidden: send Authorization: Bearer <FIREBELL_METRICS_TOKEN> or scrape from "
            "FIREBELL_METRICS_ALLOWED_NETWORKS\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(metrics_text(), content_type=TEXT_FORMAT)


# --- the self-test screen (admins) ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ui_view
def selftest_list(request: HttpRequest) -> HttpResponse:
    tests = selectors.selftest_list(user=request.user)
    form = SelfTestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            raise form_error(form)
        selftest = services.selftest_start(actor=request.user, target=form.cleaned_data["target"])
        return redirect("monitoring:selftest", pk=selftest.pk)
    return render_page(request, "monitoring/selftests.html", {"tests": tests, "form": form})


@require_GET
@ui_view
def selftest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selftest = selectors.selftest_get_for_user(user=request.user, pk=pk)
    context = {"selftest": selftest, "hops": selectors.selftest_hops(selftest)}
    return screen_response(request, "monitoring/selftest.html", context, regions={"selftest_hops"})
