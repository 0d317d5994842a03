"""All incidents (incidents/views/listing.py): filters, search, pages, htmx results."""

from __future__ import annotations

import re

import pytest

from incidents import services
from incidents.models import Source
from tests.factories import ServiceFactory, severity
from tests.ui import declare, htmx
from tests.ui import incident_url as _url


def test_list_filters_by_status_severity_service_commander_and_text(
    client, responder, other_responder
):
    payments = ServiceFactory(name="Payments", slug="payments")
    a = declare(responder, title="Card errors", severity=severity(1), services=[payments])
    b = declare(
        other_responder, title="Slow search", severity=severity(3), commander=other_responder
    )
    services.incident_acknowledge(incident=b, actor=responder, source=Source.WEB)
    client.force_login(responder)

    def numbers(query: str) -> list[int]:
        response = client.get(f"{_url('list')}?{query}")
        assert response.status_code == 200
        return [
            int(n) for n in re.findall(r'<td class="num">(\d+)</td>', response.content.decode())
        ]

    assert numbers("") == [b.number, a.number]
    assert numbers("status=acknowledged") == [b.number]
    assert numbers("severity=1") == [a.number]
    assert numbers("service=payments") == [a.number]
    assert numbers(f"commander={other_responder.username}") == [b.number]
    assert numbers("q=search") == [b.number]
    assert numbers(f"q=%23{a.number}") == [a.number]
    assert numbers("created_after=2000-01-01&created_before=2000-01-02") == []


def test_list_paginates_and_answers_htmx_with_the_results_only(client, responder):
    for n in range(55):
        declare(responder, title=f"Incident {n}")
    client.force_login(responder)
    response = client.get(f"{_url('list')}?page=2", **htmx("incident_results"))
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="incident_results"' in html
    assert html.count('<td class="num">') == 5
    assert "Page 2 of 2" in html
    assert 'href="?page=1" hx-get="?page=1" hx-target="#incident_results"' in html
    assert 'rel="next"' not in html


@pytest.mark.postgres
def test_text_search_uses_the_trigram_indexes_on_postgresql(responder):
    from django.db import connection

    from incidents.selectors import IncidentFilters, incident_rows

    with connection.cursor() as cursor:
        # With a handful of rows any plan will do: leave the planner only bitmap scans to pick from.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        try:
            rows = incident_rows(user=responder, filters=IncidentFilters(text="checkout"))
            plan = rows.order_by().explain()  # as the paginator's count runs it
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "incident_title_trgm_idx" in plan
    assert "incident_summary_trgm_idx" in plan
