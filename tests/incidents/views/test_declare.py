"""Declaring an incident (incidents/views/declare.py)."""

from __future__ import annotations

import re

from incidents.models import Incident
from tests.factories import ServiceFactory, severity
from tests.ui import incident_url as _url


def test_declare_shows_what_each_severity_means_and_defaults_the_commander_to_me(client, responder):
    client.force_login(responder)
    response = client.get(_url("declare"))
    html = response.content.decode()
    assert "Complete outage, data loss, security breach." in html
    assert re.search(rf'<option value="{responder.pk}" selected>', html)


def test_declaring_creates_the_incident_with_me_as_commander_and_redirects(client, responder):
    payments = ServiceFactory(name="Payments", slug="payments")
    client.force_login(responder)
    response = client.post(
        _url("declare"),
        {"title": "Card errors", "severity": severity(1).pk, "services": [payments.pk]},
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("detail", incident)
    assert list(incident.services.all()) == [payments]
    from incidents.selectors import incident_commander

    assert incident_commander(incident) == responder


def test_declaring_without_a_title_shows_the_form_again(client, responder):
    client.force_login(responder)
    response = client.post(_url("declare"), {"title": "", "severity": severity(1).pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Incident.objects.exists()
