"""Shared plumbing of the browser UI: rendering, htmx regions, errors, forms and the top bar.

Every screen is one Jinja2 template (templates/jinja2/, firebell/jinja_env.py) whose regions that
change are blocks; a region's block name, its element id and the `hx-target` that swaps it are
the same string (`incident_header`). A view answers a full page, or for an htmx request aimed at
one of its regions that region alone (`screen_response`). Views wear `ui_view`: sign-in (htmx
aware) and domain errors → 400/403/404/409 with the service's message. The top bar shows what
the apps register in their `AppConfig.ready()` (`nav_links`, `topbar_items`): see docs/ui.md.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.forms.renderers import Jinja2 as Jinja2FormRenderer
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from jinja2 import Environment
from jinja2_fragments import render_block

from core.errors import DomainError, NotFoundError, ValidationError

# --- rendering -----------------------------------------------------------------------------------


def jinja_environment() -> Environment:
    return engines["jinja2"].env  # type: ignore[attr-defined]


def template_context(request: HttpRequest | None, context: Mapping[str, Any]) -> dict[str, Any]:
    """What Django's Jinja2 backend adds to a template: `request`, `csrf_input`, `csrf_token`."""
    values = dict(context)
    if request is not None:
        values["request"] = request
        values["csrf_input"] = csrf_input_lazy(request)
        values["csrf_token"] = csrf_token_lazy(request)
    return values


def render_to_string(
    request: HttpRequest | None, template_name: str, context: Mapping[str, Any]
) -> str:
    return (
        jinja_environment().get_template(template_name).render(template_context(request, context))
    )


def render_page(
    request: HttpRequest, template_name: str, context: Mapping[str, Any], *, status: int = 200
) -> HttpResponse:
    """A whole screen (its template extends base.html)."""
    return HttpResponse(render_to_string(request, template_name, context), status=status)


def render_region(
    request: HttpRequest,
    template_name: str,
    region: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """One region of a screen: the block `region` of its template, rendered alone."""
    html = render_block(
        jinja_environment(), template_name, region, template_context(request, context)
    )
    return HttpResponse(html.strip(), status=status)


def htmx_target(request: HttpRequest) -> str | None:
    """The element id an htmx request will swap (its `HX-Target`), or None."""
    return request.htmx.target if request.htmx else None  # type: ignore[attr-defined]


def screen_response(
    request: HttpRequest,
    template_name: str,
    context: Mapping[str, Any],
    *,
    regions: frozenset[str] | set[str],
    status: int = 200,
) -> HttpResponse:
    """The full screen, or only the region an htmx request targets when it is one of `regions`."""
    target = htmx_target(request)
    if target in regions:
        return render_region(request, template_name, target, context, status=status)
    return render_page(request, template_name, context, status=status)


def with_event(response: HttpResponse, event: str, **detail: Any) -> HttpResponse:
    """Add an `HX-Trigger` event, e.g. `incident-changed` with the region that is already fresh."""
    response["HX-Trigger"] = json.dumps({event: detail})
    return response


def request_memo(request: HttpRequest, key: str, compute: Callable[[], Any]) -> Any:
    """A value read once per request however many parts of the page show it (e.g. the open
    counts, shown by the top bar and used by the incident page's severity picker)."""
    memo = request.__dict__.setdefault("_firebell_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- forms ---------------------------------------------------------------------------------------

# One renderer for all our forms: the Jinja2 one renders widgets from Django's Jinja2 templates.
# Not the global FORM_RENDERER: the admin's widgets exist only as Django templates.
FORM_RENDERER = Jinja2FormRenderer()


class Form(forms.Form):
    """Base class of the UI's forms: rendered through the Jinja2 form renderer."""

    default_renderer = FORM_RENDERER


def form_error(form: forms.BaseForm) -> ValidationError:
    """The one way a form's errors become a domain error: "<Field label>: <first reason>" (the
    reason alone for errors of the whole form), and every reason by field in `errors`."""
    errors = {name: [str(reason) for reason in reasons] for name, reasons in form.errors.items()}
    if not errors:
        return ValidationError("Invalid input.")
    name, reasons = next(iter(errors.items()))
    field = form.fields.get(name)
    label = "" if field is None else str(field.label or name.replace("_", " "))
    message = f"{label[:1].upper()}{label[1:]}: {reasons[0]}" if label else reasons[0]
    return ValidationError(message, errors=errors)


# --- views: sign-in, domain errors, redirects ----------------------------------------------------


def login_required_htmx(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but an expired session in an htmx request reloads the login page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:  # type: ignore[attr-defined]
            here = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{reverse('login')}?{urlencode({'next': here})}"
            return response
        return redirect_to_login(request.get_full_path())

    return wrapper


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a domain error with its status and message (in the page's error region for htmx)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as error:
            if request.htmx:  # type: ignore[attr-defined]
                return error_response(request, error)
            raise Http404(error.message) from error
        except DomainError as error:
            return error_response(request, error)

    return wrapper


def ui_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every browser view wears this: signed-in users only, domain errors as 4xx answers."""
    return login_required_htmx(domain_errors(view))


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    context = {"message": error.message, "errors": error.errors, "status": error.status_code}
    if request.htmx:  # type: ignore[attr-defined]
        html = render_to_string(request, "core/flash_error.html", context)
        response = HttpResponse(html, status=error.status_code)
        # htmx.config.responseHandling (base.html) swaps 400/403/404/409 answers; these headers
        # put them in the page's error region whatever element asked.
        response["HX-Retarget"] = "#flash"
        response["HX-Reswap"] = "innerHTML"
        return response
    context["back"] = safe_next(request, default="/")
    return render_page(request, "core/error.html", context, status=error.status_code)


def flash_response(request: HttpRequest, message: str) -> HttpResponse:
    """htmx: a message in the page's message region (the page's regions refresh themselves)."""
    response = HttpResponse(render_to_string(request, "core/flash.html", {"message": message}))
    response["HX-Retarget"] = "#flash"
    response["HX-Reswap"] = "innerHTML"
    return response


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back to after a plain (no JavaScript) form: `next`, else the referring page of
    this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- extension registries ------------------------------------------------------------------------


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...


T = TypeVar("T", bound=Named)


class Registry(Generic[T]):
    """Extensions of a screen, registered by the app that owns them in its AppConfig.ready().

    Names are unique (a name is also the element id of what the extension renders); iteration
    is by `order`, then name. Registering the same item again is a no-op (ready() may run twice
    in tests); another item under a taken name is a configuration error.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}
        self._ordered: list[T] | None = None

    def register(self, item: T) -> T:
        existing = self._items.get(item.name)
        if existing is not None and existing != item:
            raise ImproperlyConfigured(f"{self.what} {item.name!r} is registered twice.")
        self._items[item.name] = item
        self._ordered = None
        return item

    def unregister(self, name: str) -> None:
        """Remove an item (tests that register one of their own remove it after)."""
        self._items.pop(name, None)
        self._ordered = None

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        if self._ordered is None:
            self._ordered = sorted(self._items.values(), key=lambda item: (item.order, item.name))
        return iter(self._ordered)


def _always(_request: HttpRequest) -> Mapping[str, Any] | None:
    return {}


@dataclass(frozen=True)
class NavLink:
    """A link of the top bar's main navigation."""

    name: str  # element id: nav_<name>
    label: str  # translatable (gettext_lazy)
    url_name: str
    permission: str = ""  # shown only to people holding it
    current: tuple[str, ...] = ()  # URL names ("incidents:board") or namespaces ("oncall")
    css: str = ""
    order: int = 100

    def is_current(self, request: HttpRequest) -> bool:
        match = request.resolver_match
        return match is not None and (
            match.view_name in self.current or match.namespace in self.current
        )


@dataclass(frozen=True)
class TopbarItem:
    """Something the top bar of every page shows (an on-call line, counts, a bell).

    `template` renders the whole element, with id `name`; it sees `item` and `data` (what
    `context(request)` returned; None hides the item for that person). A `lazy` item is fetched
    once the page has loaded (`url('core:topbar_item', item.name)`), so no page waits for it;
    its template may poll the same URL to stay current.
    """

    name: str
    template: str
    context: Callable[[HttpRequest], Mapping[str, Any] | None] = _always
    lazy: bool = False
    order: int = 100


@dataclass(frozen=True)
class AccountPanel:
    """A panel of a person's own page (My account): `template` renders one element with id
    `name` and sees `data` = `context(request)` (None hides it for that person)."""

    name: str
    template: str
    context: Callable[[HttpRequest], Mapping[str, Any] | None] = _always
    order: int = 100


nav_links: Registry[NavLink] = Registry("Navigation link")
topbar_items: Registry[TopbarItem] = Registry("Top bar item")
account_panels: Registry[AccountPanel] = Registry("Account page panel")


def account_panel_list(request: HttpRequest) -> list[tuple[AccountPanel, Mapping[str, Any]]]:
    """The registered panels of this person's page with what each shows."""
    shown = []
    for panel in account_panels:
        if (data := panel.context(request)) is not None:
            shown.append((panel, data))
    return shown


@dataclass(frozen=True)
class TopBar:
    links: list[tuple[NavLink, bool]]  # (link, is the current page)
    items: list[tuple[TopbarItem, Mapping[str, Any] | None]]  # (item, data); data None if lazy
    user_name: str


def topbar(request: HttpRequest) -> TopBar | None:
    """The top bar of a signed-in person's page; None for anonymous visitors."""
    user = request.user
    if not user.is_authenticated:
        return None
    links = [
        (link, link.is_current(request))
        for link in nav_links
        if not link.permission or user.has_perm(link.permission)
    ]
    items: list[tuple[TopbarItem, Mapping[str, Any] | None]] = []
    for item in topbar_items:
        if item.lazy:
            items.append((item, None))
        elif (data := item.context(request)) is not None:
            items.append((item, data))
    return TopBar(links, items, user.get_full_name() or user.get_username())
