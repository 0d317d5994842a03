from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.core import mail

from core import clock
from incidents.models import Source
from postmortems import services
from postmortems.models import Reminder
from postmortems.reminders import reminder_deliver, reminders_queue
from postmortems.tasks import postmortem_reminders_task
from tests.factories import UserFactory
from tests.postmortems.conftest import declare, resolve


def _owned_postmortem(responder):
    incident = resolve(declare(responder, rank=1))
    postmortem = incident.postmortem
    services.postmortem_set_owner(postmortem=postmortem, actor=responder, owner=responder)
    return postmortem


def test_the_owner_is_reminded_once_before_and_once_after_the_due_time(responder, admin_user):
    postmortem = _owned_postmortem(responder)
    due = postmortem.due_at
    with clock.frozen_at(due - timedelta(hours=30)):
        assert reminders_queue() == []
    with clock.frozen_at(due - timedelta(hours=2)):
        first = reminders_queue()
        assert reminders_queue() == first  # the same run again writes nothing new
        assert len(first) == 1
        assert reminder_deliver(first[0]).startswith(f"reminder {first[0]}: sent")
        assert reminder_deliver(first[0]).endswith("already sent or being sent")
        assert reminders_queue() == []
    assert [m.subject for m in mail.outbox] == ["Post-mortem due soon: #1 Checkout returns 500"]
    assert mail.outbox[0].to == [responder.email]
    assert f"/postmortems/{postmortem.pk}/" in mail.outbox[0].body
    with clock.frozen_at(due + timedelta(minutes=5)):
        postmortem_reminders_task.delay()  # eager in tests: queues and delivers
        postmortem_reminders_task.delay()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "1 overdue post-mortem(s)",
        "Post-mortem due soon: #1 Checkout returns 500",
        "Post-mortem overdue: #1 Checkout returns 500",
    ]
    digest = next(m for m in mail.outbox if m.subject.startswith("1 overdue"))
    assert digest.to == [admin_user.email]


def test_the_admins_digest_is_daily(responder, admin_user):
    postmortem = _owned_postmortem(responder)
    due = postmortem.due_at
    for hours in (1, 5, 30, 31):
        with clock.frozen_at(due + timedelta(hours=hours)):
            for pk in reminders_queue():
                reminder_deliver(pk)
    digests = [m for m in mail.outbox if "overdue post-mortem(s)" in m.subject]
    days = {(due + timedelta(hours=h)).date() for h in (1, 5, 30, 31)}
    assert len(digests) == len(days)


def test_a_published_postmortem_is_not_reminded(responder, other_responder, admin_user):
    postmortem = _owned_postmortem(responder)
    services.postmortem_submit(
        postmortem=postmortem, actor=responder, source=Source.WEB, reviewers=[other_responder]
    )
    services.postmortem_review_decide(
        postmortem=postmortem, actor=other_responder, source=Source.WEB, approve=True
    )
    services.postmortem_publish(postmortem=postmortem, actor=responder, source=Source.WEB)
    with clock.frozen_at(postmortem.due_at + timedelta(hours=1)):
        assert reminders_queue() == []


def test_overdue_action_items_remind_their_owner_once_a_day(responder, busy_incident):
    owner = UserFactory(username="olly-owner")
    owner.groups.add(Group.objects.get(name="Responder"))
    item = services.action_item_create(
        incident=busy_incident,
        actor=responder,
        title="Add a canary",
        owner=owner,
        due_date=date(2026, 3, 1),
    )
    morning = clock.now().replace(year=2026, month=3, day=2, hour=8)
    for moment in (morning, morning + timedelta(hours=6), morning + timedelta(days=1)):
        with clock.frozen_at(moment):
            for pk in reminders_queue():
                reminder_deliver(pk)
    assert [m.subject for m in mail.outbox] == ["Action item overdue: Add a canary"] * 2
    services.action_item_update(item=item, actor=responder, status="done")
    with clock.frozen_at(morning + timedelta(days=2)):
        assert reminders_queue() == []


def test_a_failed_send_is_recorded_and_retried(responder, settings):
    postmortem = _owned_postmortem(responder)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with clock.frozen_at(postmortem.due_at - timedelta(hours=1)):
        (pk,) = reminders_queue()
        assert "failed" in reminder_deliver(pk)
        reminder = Reminder.objects.get(pk=pk)
        assert reminder.sent_at is None
        assert reminder.last_error
        assert reminders_queue() == [pk]  # still to send
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert "sent" in reminder_deliver(pk)
    assert len(mail.outbox) == 1
