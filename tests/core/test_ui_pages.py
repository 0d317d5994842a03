"""The layout every page shares (core/ui.py, templates/jinja2/base.html): sign-in, top bar,
htmx error handling."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import severity
from tests.ui import HTMX, declare
from tests.ui import incident_url as _url


def test_login_page_signs_in_and_lands_on_the_board(client, responder):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"),
        {"username": responder.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:board")


def test_top_bar_shows_the_user_and_open_counts_by_severity(client, responder):
    declare(responder, severity=severity(1))
    declare(responder, severity=severity(1))
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert responder.get_username() in html
    assert "SEV-1 <strong>2</strong>" in html
    assert "SEV-4 <strong>0</strong>" in html


def _nav(response) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', response.content.decode(), re.S).group(0)


def test_the_top_bar_links_what_each_person_may_open_and_marks_the_current_page(
    client, viewer, admin_user, outsider
):
    client.force_login(outsider)
    nav = _nav(client.get(_url("board")))  # refused (403), but the page has the top bar
    assert "<a " not in nav  # may open none of them
    client.force_login(viewer)
    nav = _nav(client.get(_url("list")))
    assert f'<a id="nav_list" href="{_url("list")}" aria-current="page">Incidents</a>' in nav
    assert f'<a id="nav_board" href="{_url("board")}">Board</a>' in nav
    assert f'href="{reverse("oncall:home")}"' in nav
    assert f'href="{reverse("alerts:integrations")}"' in nav
    assert "Declare incident" not in nav
    client.force_login(admin_user)
    nav = client.get(_url("declare")).content.decode()
    assert (
        f'<a id="nav_declare" class="nav-declare" href="{_url("declare")}" aria-current="page">'
        "Declare incident</a>"
    ) in nav
    assert f'href="{reverse("alerts:integrations")}"' in nav


def test_the_top_bar_names_the_person_and_shows_outsiders_no_counts(client, responder, outsider):
    responder.first_name, responder.last_name = "Rita", "Ramos"
    responder.save()
    client.force_login(responder)
    board = client.get(_url("board")).content.decode()
    assert 'class="username" href="/account/"' in board  # their name leads to My account
    assert ">Rita Ramos</a>" in board
    client.force_login(outsider)
    refused = client.get(_url("board"))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert ">olga-outsider</a>" in html
    assert "SEV-1" not in html


def test_the_counts_poll_answers_the_badges_alone(client, responder):
    declare(responder, severity=severity(1))
    client.force_login(responder)
    response = client.get(reverse("core:topbar_item", args=["open_counts"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="open_counts"')
    assert "SEV-1 <strong>1</strong>" in html
    assert 'title="1 open SEV-1 incident"' in html
    assert 'title="0 open SEV-2 incidents"' in html
    assert "<html" not in html


def test_base_page_configures_htmx_to_show_error_answers(client, responder):
    client.force_login(responder)
    html = client.get(_url("board")).content.decode()
    assert '"code":"(400|403|404|409)","swap":true' in html
    assert 'id="flash"' in html
    assert 'hx-headers=\'{"X-CSRFToken"' in html
    assert "/static/vendor/htmx.min.js" in html


def test_top_bar_items_are_for_signed_in_people_and_an_unknown_one_is_404(client, responder):
    url = reverse("core:topbar_item", args=["open_counts"])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(responder)
    assert client.get(reverse("core:topbar_item", args=["nope"])).status_code == 404


def test_an_outsider_polling_the_counts_gets_an_empty_element_that_stops_polling(client, outsider):
    client.force_login(outsider)
    html = client.get(reverse("core:topbar_item", args=["open_counts"])).content.decode()
    assert html.strip() == '<span id="open_counts"></span>'


def test_error_pages_are_the_apps_own_with_the_reason(client, responder):
    client.force_login(responder)
    missing = client.get("/incidents/999/")
    assert missing.status_code == 404
    assert "Incident #999 does not exist." in missing.content.decode()
    assert '<header class="topbar">' in missing.content.decode()
    nowhere = client.get("/no/such/page/")
    assert nowhere.status_code == 404
    assert "There is nothing at this address." in nowhere.content.decode()


def test_the_server_error_page_needs_nothing_that_could_fail_again(rf):
    from core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "topbar" not in html
