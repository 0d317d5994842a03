"""Browser views of the integrations pages: list and create, and one integration's page.

The same plumbing as every screen (core.ui): views parse input and call
alerts.selectors / alerts.services; an htmx request gets the region that changed plus an
`integration-changed` event (HX-Trigger) the other regions listen for; without JavaScript every
form posts and redirects back. The intake key is in a page only right after create or rotate:
an htmx rotate answers with it directly, a plain form parks it in the session for the very next
page of that integration, which removes it as it shows it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts import selectors, services
from alerts.forms import IntegrationCreateForm, IntegrationSettingsForm, MaintenanceForm
from alerts.models import Integration
from core import clock
from core.errors import PermissionDeniedError, ValidationError
from core.ui import form_error, render_page, render_region, ui_view, with_event

SESSION_KEY = "integration_key_once"
TEMPLATE = "alerts/detail.html"
REGIONS = frozenset(
    {
        "integration_header",
        "integration_key",
        "integration_controls",
        "integration_settings",
        "integration_deliveries",
    }
)

_TEST_ALERT = {
    "status": "firing",
    "labels": {"alertname": "FirebellTest", "severity": "warning"},
    "annotations": {"summary": "Test alert from Firebell's setup page"},
}
TEST_PAYLOADS = {
    "alertmanager": lambda key: {"version": "4", "status": "firing", "alerts": [_TEST_ALERT]},
    "grafana": lambda key: {"version": "1", "status": "firing", "alerts": [_TEST_ALERT]},
    "generic": lambda key: {
        "title": "Test alert from Firebell's setup page",
        "severity": "warning",
        "source": "curl",
        "dedup_key": "firebell-test",
    },
    "pagerduty": lambda key: {
        "routing_key": key,
        "event_action": "trigger",
        "payload": {
            "summary": "Test alert from Firebell's setup page",
            "source": "curl",
            "severity": "warning",
        },
    },
}


def _require_view(request: HttpRequest) -> None:
    if not selectors.user_can_view_integrations(request.user):
        raise PermissionDeniedError("You do not have permission to view integrations.")


def _require_configure(request: HttpRequest) -> None:
    # The services check again; refusing here first gives every view the same early answer.
    if not selectors.user_can_configure_integrations(request.user):
        raise PermissionDeniedError("You do not have permission to configure integrations.")


@dataclass
class IntegrationPage:
    """What the regions of an integration's page show, each loaded only when a region uses it."""

    request: HttpRequest
    integration: Integration
    key: str | None = None  # the full intake key, right after create or rotate only

    @cached_property
    def can_configure(self) -> bool:
        return selectors.user_can_configure_integrations(self.request.user)

    @cached_property
    def in_maintenance(self) -> bool:
        return self.integration.in_maintenance(clock.now())

    @cached_property
    def intake_url(self) -> str:
        if self.key:
            return selectors.integration_intake_url(kind=self.integration.kind, key=self.key)
        return selectors.integration_masked_intake_url(self.integration)

    @cached_property
    def keyless_url(self) -> str:
        """The hook's address without the key, for senders that put it in a Bearer header."""
        return selectors.integration_intake_url(kind=self.integration.kind, key="").rstrip("/")

    @cached_property
    def shown_key(self) -> str:
        return self.key or self.integration.masked_key

    @cached_property
    def base_url(self) -> str:
        return selectors.integration_intake_url(kind="pagerduty", key="").removesuffix(
            "/v2/enqueue"
        )

    @cached_property
    def test_payload(self) -> str:
        """A small valid body for this kind, for the page's "send a test alert" command."""
        return json.dumps(TEST_PAYLOADS[self.integration.kind](self.shown_key))

    @cached_property
    def test_command(self) -> str:
        """The "send a test alert" curl command, every argument quoted for a POSIX shell (the
        payload may hold a ' — inside single quotes it would end the string), one per line."""
        arguments = [
            ["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json"],
            [self.intake_url],
            ["-d", self.test_payload],
        ]
        return " \\\n  ".join(" ".join(shlex.quote(a) for a in line) for line in arguments)

    @cached_property
    def deliveries(self) -> list:
        return list(selectors.integration_delivery_list(integration=self.integration))

    def context(self, **extra: Any) -> dict[str, Any]:
        integration = self.integration
        return {
            "integration": integration,
            "page": self,
            "settings_form": IntegrationSettingsForm(
                initial=IntegrationSettingsForm.initial_for(integration)
            ),
            "maintenance_form": MaintenanceForm(initial={"minutes": "60"}),
            **extra,
        }


def _page(request: HttpRequest, pk: int, key: str | None = None) -> IntegrationPage:
    integration = selectors.integration_get_for_user(user=request.user, pk=pk)
    return IntegrationPage(request=request, integration=integration, key=key)


def _after_change(
    request: HttpRequest, pk: int, region: str, *, key: str | None = None
) -> HttpResponse:
    """htmx: the region that asked, fresh, plus the event; otherwise back to the page."""
    if request.htmx:
        page = _page(request, pk, key=key)
        response = render_region(request, TEMPLATE, region, page.context())
        return with_event(response, "integration-changed", region=region)
    if key:
        request.session[SESSION_KEY] = {"pk": pk, "key": key}
    return redirect("alerts:integration", pk=pk)


# --- list and create -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ui_view
def integration_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = None
    if selectors.user_can_configure_integrations(request.user):
        form = IntegrationCreateForm(request.POST or None)
    elif request.method == "POST":
        _require_configure(request)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            integration, key = _create(request, form.cleaned_data)
        except ValidationError as error:  # e.g. the name is taken: shown on its field
            for field, reasons in (error.errors or {"__all__": [error.message]}).items():
                for reason in reasons:
                    form.add_error(field if field in form.fields else None, reason)
        else:
            request.session[SESSION_KEY] = {"pk": integration.pk, "key": key}
            messages.success(request, f"Integration {integration.name} created.")
            return redirect("alerts:integration", pk=integration.pk)
    context = {
        "integrations": list(selectors.integration_overview_list(user=request.user)),
        "form": form,
        "now": clock.now(),
    }
    status = 400 if form is not None and form.is_bound else 200
    return render_page(request, "alerts/list.html", context, status=status)


def _create(request: HttpRequest, data: dict[str, Any]) -> tuple[Integration, str]:
    settings = services.integration_settings_clean(
        name=data["name"], default_severity=data["default_severity"]
    )
    return services.integration_create(
        service=data["service"], kind=data["kind"], actor=request.user, **settings
    )


# --- one integration -----------------------------------------------------------------------------


@require_GET
@ui_view
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk)
    if request.htmx and request.htmx.target in REGIONS:
        return render_region(request, TEMPLATE, request.htmx.target, page.context())
    once = request.session.get(SESSION_KEY)
    if isinstance(once, dict) and once.get("pk") == page.integration.pk:
        del request.session[SESSION_KEY]
        page.key = str(once.get("key", "")) or None
    return render_page(request, TEMPLATE, page.context())


@require_GET
@ui_view
def integration_region(request: HttpRequest, pk: int, region: str) -> HttpResponse:
    if region not in REGIONS:
        raise Http404("No such part of the integration page.")
    return render_region(request, TEMPLATE, region, _page(request, pk).context())


def _integration_for_change(request: HttpRequest, pk: int) -> Integration:
    integration = selectors.integration_get_for_user(user=request.user, pk=pk)
    _require_configure(request)
    return integration


@require_POST
@ui_view
def integration_rotate_key(request: HttpRequest, pk: int) -> HttpResponse:
    integration = _integration_for_change(request, pk)
    key = services.integration_rotate_key(integration=integration, actor=request.user)
    if not request.htmx:
        messages.warning(request, "New intake key: the previous one no longer works.")
    return _after_change(request, pk, "integration_key", key=key)


@require_POST
@ui_view
def integration_enabled(request: HttpRequest, pk: int) -> HttpResponse:
    integration = _integration_for_change(request, pk)
    enabled = request.POST.get("enabled")
    if enabled not in {"0", "1"}:
        raise ValidationError("Say enabled=1 or enabled=0.", errors={"enabled": ["Required."]})
    services.integration_update(integration=integration, actor=request.user, enabled=enabled == "1")
    return _after_change(request, pk, "integration_controls")


@require_POST
@ui_view
def integration_maintenance(request: HttpRequest, pk: int) -> HttpResponse:
    integration = _integration_for_change(request, pk)
    if request.POST.get("action") == "end":
        until = None
    else:
        form = MaintenanceForm(request.POST)
        if not form.is_valid():
            raise form_error(form)
        until = form.end
    services.integration_set_maintenance(integration=integration, until=until, actor=request.user)
    return _after_change(request, pk, "integration_controls")


@require_POST
@ui_view
def integration_settings(request: HttpRequest, pk: int) -> HttpResponse:
    integration = _integration_for_change(request, pk)
    form = IntegrationSettingsForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.integration_update(integration=integration, actor=request.user, **form.cleaned_data)
    if not request.htmx:
        messages.success(request, "Settings saved.")
    return _after_change(request, pk, "integration_settings")
