"""The incident page (/incidents/<n>/): its regions, alone for htmx, and its change watcher."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.errors import NotFoundError
from core.links import url_for_number
from core.ui import htmx_target, render_page, render_to_string, ui_view, with_event
from incidents import pages, selectors


@require_GET
@ui_view
def incident_detail(request: HttpRequest, number: int) -> HttpResponse:
    page = pages.incident_page(request, number)
    target = htmx_target(request)
    if target and pages.is_incident_region(target):
        return pages.incident_region_response(request, page, target)
    return render_page(request, pages.INCIDENT_TEMPLATE, page.context())


@require_GET
@ui_view
def incident_region(request: HttpRequest, number: int, region: str) -> HttpResponse:
    if not pages.is_incident_region(region):
        raise Http404("No such part of the incident page.")
    return pages.incident_region_response(request, pages.incident_page(request, number), region)


@require_GET
@ui_view
def incident_stamp(request: HttpRequest, number: int) -> HttpResponse:
    """Polled every few seconds: answers `incident-changed` when someone else changed it."""
    if not selectors.user_can_view_incidents(request.user):
        raise NotFoundError(f"Incident #{number} does not exist.")
    stamp = pages.timeline_stamp(number)
    context = {"stamp": stamp, "stamp_url": url_for_number("incidents:stamp")(number)}
    response = HttpResponse(render_to_string(request, "incidents/stamp.html", context))
    seen = request.GET.get("stamp", "")
    if seen.isdigit() and int(seen) != stamp and request.GET.get("sync") != "1":
        with_event(response, pages.INCIDENT_CHANGED, region="incident_stamp")
    return response
