"""The moderation screens: what moderators see and do; responders, viewers and outsiders are
refused every screen and every action (403), anonymous visitors sent to sign in."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from moderation.models import Decision, Delivery, Item, Suspension
from moderation.services import claims
from moderation.services.decisions import DecisionTerms, item_decide
from tests.moderation.conftest import open_item


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _suspended_item(moderator):
    item = open_item(user_id="u-s", media_urls=("https://cdn.example/x.jpg",))
    item_decide(
        item=item,
        actor=moderator,
        terms=DecisionTerms("suspend", reason="spam", permanent=True),
        source="web",
    )
    return item


def _screens(item: Item) -> list[str]:
    return [
        "/moderation/",
        f"/moderation/queues/{item.queue.slug}/",
        f"/moderation/items/{item.pk}/",
        f"/moderation/users/{item.user.external_id}/",
        "/moderation/suspensions/",
        "/moderation/decisions/",
        "/moderation/deliveries/",
    ]


def _actions(item: Item, suspension: Suspension, delivery: Delivery):
    slug = item.queue.slug
    return [
        (f"/moderation/items/{item.pk}/decide/", {"action": "approve"}),
        (f"/moderation/items/{item.pk}/release/", {}),
        ("/moderation/next/", {}),
        (
            f"/moderation/queues/{slug}/bulk/",
            {"action": "approve", "item": [item.pk], "confirm": "on"},
        ),
        (
            f"/moderation/queues/{slug}/csv/",
            {"file": SimpleUploadedFile("v.csv", f"{item.content_id},approve,x\n".encode())},
        ),
        (f"/moderation/suspensions/{suspension.pk}/lift/", {"reason": "x"}),
        (f"/moderation/deliveries/{delivery.pk}/retry/", {}),
    ]


def test_a_moderator_sees_every_screen(moderator):
    item = _suspended_item(moderator)
    other = open_item(category="violence")
    client = _client(moderator)
    for url in [*_screens(item), f"/moderation/items/{other.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert b"mod-blurred" in client.get(f"/moderation/items/{item.pk}/").content
    assert b"nav_moderation" in client.get("/moderation/").content


@pytest.mark.parametrize("who", ["responder", "viewer", "outsider"])
def test_non_moderators_are_refused_every_screen_and_every_action(request, moderator, who):
    item = _suspended_item(moderator)
    target = open_item()
    suspension, delivery = Suspension.objects.get(), Delivery.objects.get()
    client = _client(request.getfixturevalue(who))
    for url in _screens(item):
        assert client.get(url).status_code in (403, 404), url
    for url, data in _actions(target, suspension, delivery):
        response = client.post(url, data)
        assert response.status_code in (403, 404), (url, response.status_code)
    target.refresh_from_db()
    assert target.status == "open"
    assert Decision.objects.count() == 1
    assert Suspension.objects.get().lifted_at is None


def test_anonymous_visitors_are_sent_to_sign_in(defaults):
    response = Client().get("/moderation/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_opening_an_item_claims_it_and_a_second_moderator_reads_it_without_deciding(
    moderator, other_moderator
):
    item = open_item()
    assert b'id="decide"' in _client(moderator).get(f"/moderation/items/{item.pk}/").content
    page = _client(other_moderator).get(f"/moderation/items/{item.pk}/").content.decode()
    assert "mona-moderator is reviewing this item" in page
    assert 'id="decide"' not in page
    response = _client(other_moderator).post(
        f"/moderation/items/{item.pk}/decide/", {"action": "approve"}
    )
    assert response.status_code == 409


def test_a_moderator_decides_from_the_item_page_and_a_missing_policy_is_a_400(moderator):
    item = open_item()
    client = _client(moderator)
    bad = client.post(f"/moderation/items/{item.pk}/decide/", {"action": "remove", "reason": "x"})
    assert bad.status_code == 400
    assert b"policy" in bad.content.lower()
    ok = client.post(
        f"/moderation/items/{item.pk}/decide/",
        {"action": "remove", "reason": "scam", "policy": "spam"},
    )
    assert ok.status_code == 302
    assert Decision.objects.get().policy.slug == "spam"


def test_bulk_shows_how_many_will_change_then_applies_on_confirm(moderator):
    items = [open_item(user_id="spammer") for _ in range(3)]
    open_item(user_id="someone-else")
    client = _client(moderator)
    slug = items[0].queue.slug
    body = {"action": "remove", "reason": "spam run", "policy": "spam", "all_matching": "on"}
    preview = client.post(f"/moderation/queues/{slug}/bulk/?user_id=spammer", body)
    assert preview.status_code == 200
    assert "3 items will change" in preview.content.decode()
    assert not Decision.objects.exists()
    done = client.post(
        f"/moderation/queues/{slug}/bulk/?user_id=spammer", {**body, "confirm": "on"}
    )
    assert done.status_code == 302
    assert Decision.objects.filter(action="remove").count() == 3
    assert Item.objects.filter(user__external_id="someone-else", status="open").exists()


def test_bulk_by_selection_skips_what_someone_else_reviews(moderator, other_moderator):
    items = [open_item() for _ in range(2)]
    claims.item_claim(item=items[1], actor=other_moderator)
    _client(moderator).post(
        f"/moderation/queues/{items[0].queue.slug}/bulk/",
        {"action": "approve", "item": [i.pk for i in items], "confirm": "on"},
    )
    assert list(Decision.objects.values_list("item_id", flat=True)) == [items[0].pk]


def test_a_csv_upload_lists_the_bad_lines(moderator):
    item = open_item(content_id="csv-1")
    upload = SimpleUploadedFile("v.csv", b"csv-1,approve,ok\nghost,remove,x\n")
    page = (
        _client(moderator)
        .post(f"/moderation/queues/{item.queue.slug}/csv/", {"file": upload})
        .content.decode()
    )
    assert "1 changed, 1 rows with errors" in page
    assert "line 2: no open item" in page


def test_a_suspension_is_lifted_from_the_suspensions_screen(moderator):
    _suspended_item(moderator)
    suspension = Suspension.objects.get()
    _client(moderator).post(f"/moderation/suspensions/{suspension.pk}/lift/", {"reason": "ok"})
    suspension.refresh_from_db()
    assert suspension.lift_reason == "ok"


def test_the_incident_page_shows_the_items_of_its_wave(moderator, admin_user):
    item = open_item(category="violence")
    decision = item_decide(
        item=item, actor=moderator, source="web", terms=DecisionTerms("escalate", reason="threat")
    )
    page = _client(admin_user).get(f"/incidents/{decision.incident.number}/").content.decode()
    assert 'id="incident_moderation"' in page
    assert f"/moderation/items/{item.pk}/" in page


def test_the_queues_table_refreshes_itself_as_one_region(moderator):
    open_item(category="violence")
    response = _client(moderator).get(
        "/moderation/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="moderation_queues"
    )
    html = response.content.decode()
    assert html.startswith('<div class="table-wrap" id="moderation_queues"')
    assert "Urgent" in html
    assert "<html" not in html
