"""All incidents (/incidents/): filters, text search, 50 per page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from core.ui import screen_response, ui_view
from incidents import pages, selectors
from incidents.forms import IncidentFilterForm

LIST_PAGE_SIZE = 50


@require_GET
@ui_view
def incident_list(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(request.GET or None)
    queryset = selectors.incident_rows(user=request.user, filters=form.to_filters())
    page_obj = Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page_obj,
        "rows": pages.list_rows(list(page_obj.object_list)),
        "query": query.urlencode(),
    }
    return screen_response(request, "incidents/list.html", context, regions={"incident_results"})
