"""Reminders about post-mortems and action items, by e-mail.

`reminders_queue(now)` decides what is due and writes one `Reminder` row per message, keyed so
that running it again (every few minutes, from beat) adds nothing new:

- the owner of an unpublished post-mortem, once `POSTMORTEM_REMIND_BEFORE` before its due time
  and once when it is overdue (a new due time after a re-resolution means new reminders);
- every admin, once a day, the list of overdue post-mortems (when there are any);
- the owner of an overdue action item, once a day.

`reminder_deliver(pk)` sends one row outside any transaction: it claims the row with a
conditional UPDATE (so two workers never both send it), sends, and records the outcome; a failed
send is left for the next sweep, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q

from core import clock
from postmortems import selectors
from postmortems.models import Reminder

POSTMORTEM_REMIND_BEFORE = timedelta(hours=24)
CLAIM_EXPIRES = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def _link(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _add(rows: list[Reminder], key: str, recipient, subject: str, body: str, now: datetime) -> None:
    if recipient is not None and recipient.is_active and recipient.email:
        rows.append(
            Reminder(key=key, recipient=recipient, subject=subject, body=body, created_at=now)
        )


def _postmortem_reminders(now: datetime, rows: list[Reminder]) -> list:
    overdue = []
    for postmortem in selectors.postmortem_due_list(now=now):
        incident, due = postmortem.incident, postmortem.due_at
        link = _link(f"/postmortems/{postmortem.pk}/")
        title = f"#{incident.number} {incident.title}"
        if due <= now:
            overdue.append(postmortem)
            _add(
                rows,
                f"postmortem:{postmortem.pk}:overdue:{due.isoformat()}",
                postmortem.owner,
                f"Post-mortem overdue: {title}",
                f"The post-mortem of incident {title} was due {due:%Y-%m-%d %H:%M} UTC.\n{link}\n",
                now,
            )
        elif due - POSTMORTEM_REMIND_BEFORE <= now:
            _add(
                rows,
                f"postmortem:{postmortem.pk}:due-soon:{due.isoformat()}",
                postmortem.owner,
                f"Post-mortem due soon: {title}",
                f"The post-mortem of incident {title} is due {due:%Y-%m-%d %H:%M} UTC.\n{link}\n",
                now,
            )
    return overdue


def _admin_digest(now: datetime, overdue: list, rows: list[Reminder]) -> None:
    if not overdue:
        return
    lines = [
        f"- #{pm.incident.number} {pm.incident.title}: due {pm.due_at:%Y-%m-%d %H:%M} UTC, "
        f"{pm.get_status_display().lower()} — {_link(f'/postmortems/{pm.pk}/')}"
        for pm in overdue
    ]
    body = "Overdue post-mortems:\n" + "\n".join(lines) + "\n"
    admins = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name="Admin"), is_active=True)
        .distinct()
    )
    day = now.date().isoformat()
    for admin in admins:
        subject = f"{len(overdue)} overdue post-mortem(s)"
        _add(rows, f"admins-overdue:{day}:{admin.pk}", admin, subject, body, now)


def _action_item_reminders(now: datetime, rows: list[Reminder]) -> None:
    day = now.date()
    for item in selectors.action_items_overdue(today=day):
        _add(
            rows,
            f"action-item:{item.pk}:overdue:{day.isoformat()}",
            item.owner,
            f"Action item overdue: {item.title}",
            f"Your action item \u201c{item.title}\u201d (incident #{item.incident.number}) was "
            f"due {item.due_date:%Y-%m-%d}.\n{_link('/postmortems/actions/?owner=me')}\n",
            now,
        )


def reminders_queue(now: datetime | None = None) -> list[int]:
    """Write the reminders due at `now` that were never written; returns the ids of every
    reminder still to send (new ones and earlier failures). Idempotent."""
    now = now or clock.now()
    rows: list[Reminder] = []
    overdue = _postmortem_reminders(now, rows)
    _admin_digest(now, overdue, rows)
    _action_item_reminders(now, rows)
    with transaction.atomic():
        # The unique key makes a second run (or a concurrent one) insert nothing.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    unsent = Reminder.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return list(unsent.order_by("id").values_list("pk", flat=True))


def reminder_deliver(pk: int) -> str:
    """Send one reminder unless sent or being sent; says what happened."""
    now = clock.now()
    claimed = (
        Reminder.objects.filter(pk=pk, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return f"reminder {pk}: already sent or being sent"
    reminder = Reminder.objects.select_related("recipient").get(pk=pk)
    if reminder.recipient is None or not reminder.recipient.email:
        Reminder.objects.filter(pk=pk).update(last_error="no recipient address", claimed_at=None)
        return f"reminder {pk}: nobody to send it to"
    try:
        send_mail(
            reminder.subject,
            reminder.body,
            settings.DEFAULT_FROM_EMAIL,
            [reminder.recipient.email],
        )
    except Exception as error:  # any transport failure: record it, the sweep retries
        Reminder.objects.filter(pk=pk).update(last_error=str(error)[:500], claimed_at=None)
        return f"reminder {pk}: failed ({error.__class__.__name__}), will retry"
    Reminder.objects.filter(pk=pk).update(sent_at=clock.now(), last_error="")
    return f"reminder {pk}: sent to {reminder.recipient.email}"
