"""The public status page, its feeds and JSON summary (no sign-in, cached, ETag), and the
responders' publish / update actions from the incident page."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.ui import form_error, render_to_string, ui_view
from incidents.pages import incident_changed_response
from incidents.selectors import incident_get_for_user, user_can_respond
from statuspage import cache, selectors, services, subscribers
from statuspage.forms import PublicUpdateForm, PublishForm, SubscribeForm
from statuspage.models import Publication

CACHE_CONTROL = f"public, max-age={cache.TTL}"


def _cached_response(
    request: HttpRequest, key: str, render: Callable[[], bytes], content_type: str
) -> HttpResponse:
    body, etag = cache.cached(key, render)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _render_page() -> bytes:
    summary = selectors.status_summary(now=clock.now())
    context = {"summary": summary, "title": settings.FIREBELL_STATUS_PAGE_TITLE}
    return render_to_string(None, "statuspage/public.html", context).encode()


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    return _cached_response(request, "statuspage:page", _render_page, "text/html; charset=utf-8")


def summary_document() -> dict:
    """/status/api/summary.json: the same public facts as the page, for tools."""
    summary = selectors.status_summary(now=clock.now())

    def publication(p: Publication) -> dict:
        return {
            "id": p.pk,
            "title": p.title,
            "status": p.status,
            "published_at": p.published_at.isoformat(),
            "resolved_at": p.resolved_at.isoformat() if p.resolved_at else None,
            "components": [c.name for c in p.components.all()],
            "updates": [
                {"status": u.status, "body": u.body, "created_at": u.created_at.isoformat()}
                for u in p.updates.all()
            ],
        }

    return {
        "page": {"title": settings.FIREBELL_STATUS_PAGE_TITLE, "url": _page_url()},
        "status": summary.state,
        "updated_at": summary.now.isoformat(),
        "components": [
            {
                "id": view.component.pk,
                "name": view.component.name,
                "group": view.component.group.name if view.component.group else None,
                "status": view.state,
                "uptime_90d": view.uptime,
            }
            for view in summary.components
        ],
        "incidents": [publication(p) for p in summary.active],
        "recently_resolved": [publication(p) for p in summary.recent],
        "maintenance": [
            {
                "title": m.title,
                "body": m.body,
                "starts_at": m.starts_at.isoformat(),
                "ends_at": m.ends_at.isoformat(),
                "components": [c.name for c in m.components.all()],
                "active": m in summary.maintenance_now,
            }
            for m in summary.maintenance_now + summary.maintenance_upcoming
        ],
    }


@require_GET
def status_summary_json(request: HttpRequest) -> HttpResponse:
    return _cached_response(
        request,
        "statuspage:summary",
        lambda: json.dumps(summary_document(), indent=1).encode(),
        "application/json",
    )


def _page_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("statuspage:page")


def _feed(feed_class: type[SyndicationFeed]) -> bytes:
    feed = feed_class(
        title=settings.FIREBELL_STATUS_PAGE_TITLE,
        link=_page_url(),
        description="Incidents and maintenance",
        language="en",
        feed_url=settings.PUBLIC_BASE_URL + reverse("statuspage:atom"),
    )
    for update in selectors.feed_updates():
        publication = update.publication
        feed.add_item(
            title=f"{publication.title} — {update.get_status_display()}",
            link=f"{_page_url()}#incident-{publication.pk}",
            description=update.body,
            unique_id=f"{_page_url()}#update-{update.pk}",
            pubdate=update.created_at,
            updateddate=update.created_at,
        )
    return feed.writeString("utf-8").encode()


@require_GET
def status_atom(request: HttpRequest) -> HttpResponse:
    return _cached_response(
        request, "statuspage:atom", lambda: _feed(Atom1Feed), "application/atom+xml; charset=utf-8"
    )


@require_GET
def status_rss(request: HttpRequest) -> HttpResponse:
    return _cached_response(
        request,
        "statuspage:rss",
        lambda: _feed(Rss201rev2Feed),
        "application/rss+xml; charset=utf-8",
    )


# --- responders: from the incident page ----------------------------------------------------------


def _incident_for_publishing(request: HttpRequest, number: int):
    incident = incident_get_for_user(user=request.user, number=number)
    if not user_can_respond(request.user):
        raise PermissionDeniedError("You do not have permission to publish incidents.")
    return incident


@require_POST
@ui_view
def publish(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_publishing(request, number)
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.publication_create(
        incident=incident,
        actor=request.user,
        title=form.cleaned_data["title"],
        status=form.cleaned_data["status"],
        body=form.cleaned_data["body"],
        components=form.cleaned_data["components"],
    )
    return incident_changed_response(request, number, "incident_statuspage")


@require_POST
@ui_view
def update(request: HttpRequest, number: int) -> HttpResponse:
    incident = _incident_for_publishing(request, number)
    publication = selectors.publication_for_incident(incident)
    if publication is None:
        raise ValidationError("Publish the incident on the status page first.")
    form = PublicUpdateForm(request.POST)
    if not form.is_valid():
        raise form_error(form)
    services.public_update_post(
        publication=publication,
        actor=request.user,
        status=form.cleaned_data["status"],
        body=form.cleaned_data["body"],
    )
    return incident_changed_response(request, number, "incident_statuspage")


# --- subscribers (public: the signed token or the double opt-in is the protection) ----------------

SUBSCRIBE_LIMIT_PER_HOUR = 10


def _public(
    request: HttpRequest, heading: str, message: str, status: int = 200, **extra
) -> HttpResponse:
    context = {
        "title": settings.FIREBELL_STATUS_PAGE_TITLE,
        "heading": heading,
        "message": message,
        **extra,
    }
    html = render_to_string(None, "statuspage/public_message.html", context)
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _too_many(request: HttpRequest) -> bool:
    from django.core.cache import cache as django_cache

    key = f"statuspage:subscribe:{request.META.get('REMOTE_ADDR', '')}"
    django_cache.add(key, 0, 3600)
    try:
        return django_cache.incr(key) > SUBSCRIBE_LIMIT_PER_HOUR
    except ValueError:  # expired between add and incr
        return False


@csrf_exempt  # the form is on the cached public page (no per-visitor token); opt-in protects
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        reason = form_error(form).message
        return _public(request, "Not subscribed", reason, status=400)
    if _too_many(request):
        return _public(
            request, "Not subscribed", "Too many requests from your address; try later.", 429
        )
    subscribers.subscriber_request(
        email=form.cleaned_data["email"], components=form.cleaned_data["components"]
    )
    return _public(
        request,
        "Check your inbox",
        "We sent a confirmation link to that address. Updates start once you open it.",
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links); POST confirms."""
    if request.method == "GET":
        return _public(
            request, "Confirm your subscription", "", action=request.path, button="Confirm"
        )
    try:
        subscribers.subscriber_confirm(token=token)
    except (ValidationError, NotFoundError) as error:
        return _public(request, "Not confirmed", error.message, status=error.status_code)
    return _public(request, "Subscribed", "You will receive an e-mail for every public update.")


@csrf_exempt  # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" here
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _public(request, "Unsubscribe", "", action=request.path, button="Unsubscribe")
    try:
        subscribers.subscriber_unsubscribe(token=token)
    except NotFoundError as error:
        return _public(request, "Not found", error.message, status=404)
    return _public(request, "Unsubscribed", "You will not receive any more e-mails from us.")
