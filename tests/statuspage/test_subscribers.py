"""Status-page subscribers against a real SMTP server (aiosmtpd): double opt-in, one-click
unsubscribe with signed tokens, per-component choice, and each update mailed exactly once to
each subscriber, at a bounded rate."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from statuspage import services, subscribers
from statuspage.models import Component, OutboxStatus, PublicStatus, Subscriber, SubscriberEmail
from tests.standins.smtp import RecordingSMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    server = RecordingSMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.FIREBELL_STATUS_EMAILS_PER_SECOND = 100
    yield server
    server.stop()


def link(message, path: str) -> str:
    body = message.get_content()
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s>]+)", body).group(1)


def publish(incident, components, responder, status=PublicStatus.INVESTIGATING, body="Looking."):
    return services.publication_create(
        incident=incident,
        actor=responder,
        title="API errors",
        status=status,
        body=body,
        components=components,
    )


def subscribe_and_confirm(smtp, email: str, components=(), capture=None) -> Subscriber:
    public = Client()
    data = {"email": email, "components": [c.pk for c in components]}
    with capture(execute=True):
        response = public.post("/status/subscribe", data)
    assert response.status_code == 200
    [confirmation] = smtp.take(to=email)
    url = link(confirmation, "/status/subscribe/confirm/")
    assert b"Confirm" in public.get(url).content  # a GET (a mail scanner) confirms nothing
    assert not Subscriber.objects.get(email=email).is_active
    assert public.post(url).status_code == 200
    subscriber = Subscriber.objects.get(email=email)
    assert subscriber.is_active
    return subscriber


def test_double_opt_in_then_each_update_once_then_one_click_unsubscribe(
    smtp, responder, api_component, declare, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    unconfirmed = "later@example.com"
    with capture(execute=True):
        Client().post("/status/subscribe", {"email": unconfirmed})
    smtp.take(to=unconfirmed)
    subscribe_and_confirm(smtp, "ann@example.com", capture=capture)
    with capture(execute=True):
        publication = publish(declare(), [api_component], responder)
    [mail] = smtp.take(to="ann@example.com")
    assert mail["Subject"] == "[Investigating] API errors"
    assert "Looking." in mail.get_content()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp.take(to=unconfirmed) == []  # never confirmed: nothing
    # The task running again (redelivered) sends nothing more: one outbox row per subscriber.
    from statuspage.tasks import subscribers_notify_task

    update_id = publication.updates.get().pk
    subscribers_notify_task(update_id)
    assert smtp.take() == []
    assert SubscriberEmail.objects.filter(status=OutboxStatus.SENT).count() == 1
    # RFC 8058: the mail client POSTs the List-Unsubscribe URL with this body.
    unsubscribe = re.search(r"<https?://[^/]+([^>]+)>", mail["List-Unsubscribe"]).group(1)
    response = Client().post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with capture(execute=True):
        services.public_update_post(
            publication=publication, actor=responder, status=PublicStatus.RESOLVED, body="Fixed."
        )
    assert smtp.take() == []


def test_a_subscriber_of_some_components_hears_only_about_those(
    smtp, responder, api_component, declare, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    other = Component.objects.create(name="Dashboard")
    subscribe_and_confirm(smtp, "api-only@example.com", [api_component], capture=capture)
    subscribe_and_confirm(smtp, "everything@example.com", capture=capture)
    with capture(execute=True):
        publish(declare(), [other], responder)
    assert [m["To"] for m in smtp.take()] == ["everything@example.com"]
    with capture(execute=True):
        publish(declare(), [api_component], responder)
    assert sorted(m["To"] for m in smtp.take()) == [
        "api-only@example.com",
        "everything@example.com",
    ]


def test_links_with_a_bad_or_expired_signature_change_nothing(smtp, defaults):
    subscriber = Subscriber.objects.create(email="x@example.com")
    public = Client()
    assert public.post("/status/subscribe/confirm/forged").status_code == 404
    old = signing.dumps(subscriber.pk, salt=subscribers.CONFIRM_SALT)
    import time as clock_module

    real_time = clock_module.time
    try:  # signing reads time.time(): a link made eight days ago
        clock_module.time = lambda: real_time() + 8 * 86400
        response = public.post(f"/status/subscribe/confirm/{old}")
    finally:
        clock_module.time = real_time
    assert response.status_code == 400
    assert b"expired" in response.content
    unsubscribe_token = signing.dumps(subscriber.pk, salt=subscribers.UNSUBSCRIBE_SALT)
    assert public.post(f"/status/subscribe/confirm/{unsubscribe_token}").status_code == 404
    assert not Subscriber.objects.get().is_active
    assert public.post("/status/subscribe", {"email": "not-an-address"}).status_code == 400


def test_the_send_rate_is_bounded_and_one_sender_runs_at_a_time(
    smtp, settings, monkeypatch, responder, api_component, declare
):
    from django.core.cache import cache

    for n in range(5):
        Subscriber.objects.create(email=f"s{n}@example.com", confirmed_at="2026-12-01T00:00Z")
    publication = publish(declare(), [api_component], responder)  # on_commit not run: no send
    assert subscribers.outbox_fill(update_id=publication.updates.get().pk) == 5
    monkeypatch.setattr(subscribers, "BATCH_SECONDS", 1)
    cache.set(subscribers.SENDER_LOCK, "1", 30)  # another worker is sending
    assert subscribers.outbox_send(per_second=2) == 0
    cache.delete(subscribers.SENDER_LOCK)
    assert subscribers.outbox_send(per_second=2) == 2  # 2 per second for a 1-second batch
    assert len(smtp.take()) == 2
    assert SubscriberEmail.objects.filter(status=OutboxStatus.PENDING).count() == 3


def test_a_refused_address_fails_permanently_and_is_not_retried(
    smtp, responder, api_component, declare
):
    Subscriber.objects.create(email="gone@example.com", confirmed_at="2026-12-01T00:00Z")
    smtp.refused.add("gone@example.com")
    publication = publish(declare(), [api_component], responder)
    subscribers.outbox_fill(update_id=publication.updates.get().pk)
    assert subscribers.outbox_send() == 0
    row = SubscriberEmail.objects.get()
    assert row.status == OutboxStatus.FAILED
    assert "refused" in row.last_error
