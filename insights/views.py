"""/insights/: every report on one page, and each one's numbers as CSV. Both read the same
filters from the query string (a bad value is a 400 naming it)."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core import clock
from core.errors import PermissionDeniedError
from core.ui import form_error, render_page, ui_view
from insights import pages, selectors
from insights.forms import InsightFilterForm
from insights.selectors import InsightFilters


def _filters(request: HttpRequest) -> tuple[InsightFilterForm, InsightFilters]:
    selectors.insights_require_access(request.user)
    form = InsightFilterForm(request.GET, today=timezone.localdate(clock.now()))
    if not form.is_valid():
        raise form_error(form)
    return form, form.to_filters()


def _may_read(request: HttpRequest, slug: str) -> bool:
    """Every report needs the incident view permission (checked by `_filters`); the post-mortem
    ones their own as well."""
    return selectors.insights_postmortem_access(request.user).get(slug, True)


@require_GET
@ui_view
def insights_home(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    now = clock.now()
    context = {
        "form": form,
        "filters": filters,
        "reports": pages.reports_build(
            filters, now, [slug for slug in pages.REPORTS if _may_read(request, slug)]
        ),
        "query": request.GET.urlencode(),
    }
    return render_page(request, "insights/home.html", context)


@require_GET
@ui_view
def insights_csv(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in pages.REPORTS:
        raise Http404("No such report.")
    _form, filters = _filters(request)
    if not _may_read(request, slug):
        raise PermissionDeniedError("You do not have permission to view this report.")
    [report] = pages.reports_build(filters, clock.now(), [slug])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{slug}_{filters.first_day.isoformat()}_{filters.last_day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(pages.csv_rows(report.download))
    return response
