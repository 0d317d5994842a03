"""Requests from Slack after the 3-second answer: stored by the view, processed here in Celery.

`inbound_process` claims the row (so a repeated task does nothing), then runs the command,
the button or modal action, or the pinned message, and answers through `response_url` or the
Web API. A transient Slack failure raises Retry (the row is released for the retry).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.services import attempt_failure_record, attempts_exhausted
from core import clock
from core.errors import DomainError
from incidents import selectors as incident_selectors
from incidents import services as incident_services
from incidents.models import Incident, Service, Source
from integrations.slack import blocks, client, commands, users
from integrations.slack.client import SlackFailure
from integrations.slack.models import (
    InboundKind,
    IncidentChannel,
    MessageKind,
    SlackInbound,
    SlackMessage,
    SlackPin,
)
from oncall import services as oncall_services

RESPONSE_URL_MINUTES = 30
logger = logging.getLogger(__name__)


class Retry(Exception):
    def __init__(self, failure: SlackFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def inbound_store(kind: str, payload: dict[str, Any], *, event_id: str | None = None) -> int | None:
    """Store a verified request; None when `event_id` was seen already (a Slack retry)."""
    try:
        with transaction.atomic():
            row = SlackInbound.objects.create(
                kind=kind, payload=payload, event_id=event_id or None, received_at=clock.now()
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _queue(row.pk))
    return row.pk


def _queue(inbound_id: int) -> None:
    from integrations.slack.tasks import slack_inbound_process_task

    slack_inbound_process_task.delay(inbound_id)


def inbounds_requeue_lost(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    """Queue again the requests whose task was lost (a broker or worker crash). Only requests
    younger than Slack's 30-minute response_url lifetime; processing claims the row, so a
    request whose first task is merely slow is still handled once."""
    now = clock.now()
    lost = SlackInbound.objects.filter(
        processed_at__isnull=True,
        received_at__lt=now - timedelta(seconds=older_than_seconds),
        received_at__gt=now - timedelta(minutes=RESPONSE_URL_MINUTES),
    ).values_list("pk", flat=True)[:limit]
    requeued = 0
    for inbound_id in lost:
        _queue(inbound_id)
        requeued += 1
    return requeued


def inbounds_purge(*, older_than_days: int = 7) -> int:
    """Forget handled requests after a week (Slack retries an event for minutes, not days)."""
    cutoff = clock.now() - timedelta(days=older_than_days)
    deleted, _ = SlackInbound.objects.filter(
        received_at__lt=cutoff, processed_at__isnull=False
    ).delete()
    return deleted


def _finish(inbound_id: int, outcome: str) -> str:
    SlackInbound.objects.filter(pk=inbound_id).update(outcome=outcome[:1000])
    return f"slack {inbound_id}: {outcome}"


def inbound_process(inbound_id: int) -> str:
    if not SlackInbound.objects.filter(pk=inbound_id, processed_at__isnull=True).update(
        processed_at=clock.now()
    ):
        return f"slack {inbound_id}: processed already"
    row = SlackInbound.objects.get(pk=inbound_id)
    handler = {
        InboundKind.COMMAND: command_process,
        InboundKind.INTERACTION: interaction_process,
        InboundKind.EVENT: event_process,
    }[row.kind]
    try:
        return _finish(inbound_id, handler(row.payload))
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        # A payload of a shape Slack does not send: recorded on the row, nothing to retry.
        logger.warning("Slack request %s is malformed: %r", inbound_id, exc)
        return _finish(inbound_id, f"malformed: {type(exc).__name__}: {exc}")
    except SlackFailure as failure:
        if failure.transient:
            SlackInbound.objects.filter(pk=inbound_id).update(processed_at=None)
            raise Retry(failure) from None
        return inbound_give_up(inbound_id, failure)


def inbound_give_up(inbound_id: int, failure: SlackFailure) -> str:
    """Tell the person who asked (when Slack lets us) that Slack refused."""
    row = SlackInbound.objects.get(pk=inbound_id)
    SlackInbound.objects.filter(pk=inbound_id).update(processed_at=clock.now())
    url = _response_url(row.payload)
    client.respond(
        url,
        {
            "response_type": "ephemeral",
            "replace_original": False,
            "text": f":warning: Slack refused {failure.method} ({failure.error}); try again.",
        },
    )
    return _finish(inbound_id, f"failed: {failure}")


def _response_url(payload: dict[str, Any]) -> str:
    return payload.get("response_url") or ""


def _reply(url: str, reply: commands.Reply | None, **extra: Any) -> None:
    if reply is not None and (reply.text or reply.blocks):
        client.respond(url, {**reply.as_response(), **extra})


def _error(message: str) -> commands.Reply:
    return commands.Reply(text=f":warning: {message}")


# --- Slash commands -------------------------------------------------------------------------


def command_process(form: dict[str, Any]) -> str:
    slack_user = form.get("user_id", "")
    try:
        parsed = commands.parse(form.get("text", ""))
    except commands.UsageError as usage:
        _reply(_response_url(form), _error(str(usage)))
        return "usage error"
    if parsed.name == "link":  # before the lookup: linking is how unknown people get known
        return link_process(form, slack_user, parsed.args[0])
    actor = users.firebell_user(slack_user)
    if actor is None:
        _reply(_response_url(form), commands.Reply(text=users.unknown_user_text(slack_user)))
        return "unknown user"
    ctx = commands.Context(
        parsed=parsed,
        actor=actor,
        slack_user_id=slack_user,
        channel_id=form.get("channel_id", ""),
        trigger_id=form.get("trigger_id", ""),
    )
    try:
        reply = commands.HANDLERS[parsed.name](ctx)
    except commands.UsageError as usage:
        reply = _error(str(usage))
    except DomainError as error:
        reply = _error(error.message)
    _reply(_response_url(form), reply)
    return f"{parsed.name}: {reply.text[:200] if reply else 'modal opened'}"


def link_process(form: dict[str, Any], slack_user: str, code: str) -> str:
    # Wrong codes are counted per Slack user and refused past the sign-in limit, like passwords.
    if attempts_exhausted(scope=LINK_ATTEMPTS, key=slack_user):
        minutes = settings.FIREBELL_SIGNIN_LOCKOUT_MINUTES
        _reply(
            _response_url(form), _error(f"Too many wrong link codes: try again in {minutes} min.")
        )
        return "link refused: too many wrong codes"
    try:
        user = users.link_code_user(code)
    except DomainError as error:
        attempt_failure_record(scope=LINK_ATTEMPTS, key=slack_user)
        _reply(_response_url(form), _error(error.message))
        return "link refused"
    users.link_create(slack_user_id=slack_user, user=user)
    _reply(
        _response_url(form),
        commands.Reply(text=f"Linked: in Firebell you are {user.get_username()}."),
    )
    return f"linked {slack_user} to {user.get_username()}"


LINK_ATTEMPTS = "slack-link"


# --- Buttons and modals ----------------------------------------------------------------------

BUTTONS = {
    blocks.ACKNOWLEDGE: (incident_services.incident_acknowledge, "acknowledged"),
    blocks.RESOLVE: (incident_services.incident_resolve, "resolved"),
    blocks.ESCALATE: (oncall_services.escalation_escalate_now, "escalated"),
}


def interaction_process(payload: dict[str, Any]) -> str:
    slack_user = (payload.get("user") or {}).get("id", "")
    url = _response_url(payload)
    if payload.get("type") == "view_submission":
        url = ""  # a modal has no response_url; answers go to the user's channel
    actor = users.firebell_user(slack_user)
    if actor is None:
        _notify(payload, slack_user, users.unknown_user_text(slack_user))
        return "unknown user"
    try:
        if payload.get("type") == "block_actions":
            return button_press(payload, actor, slack_user)
        if payload.get("type") == "view_submission":
            return modal_submit(payload, actor, slack_user)
    except DomainError as error:
        _notify(payload, slack_user, f":warning: {error.message}", url=url)
        return f"refused: {error.message}"
    return f"ignored {payload.get('type')}"


def _notify(payload: dict[str, Any], slack_user: str, text: str, url: str = "") -> None:
    """An answer only the person sees: through response_url, else chat.postEphemeral."""
    url = url or _response_url(payload)
    if url:
        client.respond(url, {"response_type": "ephemeral", "replace_original": False, "text": text})
        return
    metadata = _metadata(payload)
    channel = metadata.get("channel_id") or (payload.get("channel") or {}).get("id")
    if channel:
        client.api("chat.postEphemeral", channel=channel, user=slack_user, text=text)


def button_press(payload: dict[str, Any], actor, slack_user: str) -> str:
    action = (payload.get("actions") or [{}])[0]
    action_id = action.get("action_id", "")
    if action_id not in BUTTONS:
        return f"ignored action {action_id or '?'}"
    pk = str(action.get("value", ""))
    number = (
        Incident.objects.filter(pk=int(pk)).values_list("number", flat=True).first()
        if (pk.isdigit())
        else None
    )
    incident = incident_selectors.incident_get_for_user(user=actor, number=number or 0)
    service, verb = BUTTONS[action_id]
    channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get(
        "channel_id", ""
    )
    ts = (payload.get("message") or {}).get("ts") or (payload.get("container") or {}).get(
        "message_ts", ""
    )
    if channel and ts:
        # Tracked before the change, so the sync that follows it updates this message too.
        SlackMessage.objects.get_or_create(
            channel_id=channel,
            ts=ts,
            defaults={"incident": incident, "kind": MessageKind.NOTIFICATION},
        )
    service(incident=incident, actor=actor, source=Source.SLACK)
    if channel and ts and action_id == blocks.ESCALATE:
        # Escalating changes no status, so no sync updates the message: say it here.
        fresh = incident_selectors.incident_get_for_user(user=actor, number=incident.number)
        client.api(
            "chat.update",
            channel=channel,
            ts=ts,
            text=blocks.headline(fresh),
            blocks=blocks.incident_card(fresh, note=f"Escalated by <@{slack_user}>"),
        )
    return f"{verb} #{incident.number}"


def _metadata(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads((payload.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def modal_values(payload: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value} from a view submission (text, selected option or checked boxes)."""
    values: dict[str, Any] = {}
    state = ((payload.get("view") or {}).get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for element in (actions or {}).values():
            if element.get("type") == "checkboxes":
                values[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            elif element.get("type") == "static_select":
                values[block_id] = (element.get("selected_option") or {}).get("value")
            else:
                values[block_id] = element.get("value") or ""
    return values


def modal_errors(payload: dict[str, Any]) -> dict[str, str]:
    """Checked in the view, before the modal closes: what Slack's own checks let through."""
    callback = (payload.get("view") or {}).get("callback_id")
    values = modal_values(payload)
    if callback == blocks.DECLARE_MODAL and not str(values.get("title") or "").strip():
        return {"title": "An incident needs a title."}
    if callback == blocks.UPDATE_MODAL and not str(values.get("body") or "").strip():
        return {"body": "An update needs a message."}
    return {}


def modal_submit(payload: dict[str, Any], actor, slack_user: str) -> str:
    callback = (payload.get("view") or {}).get("callback_id")
    values, metadata = modal_values(payload), _metadata(payload)
    if callback == blocks.DECLARE_MODAL:
        ctx = commands.Context(
            parsed=commands.Parsed("declare"),
            actor=actor,
            slack_user_id=slack_user,
            channel_id=metadata.get("channel_id") or slack_user,
        )
        service = Service.objects.filter(slug=values.get("service") or "").first()
        reply = commands.declare(
            ctx,
            title=str(values.get("title") or ""),
            sev=commands.severity(values.get("severity")),
            summary=str(values.get("summary") or ""),
            services=[service] if service else [],
            channel="yes" in (values.get("channel") or []),
        )
        if reply.public:  # the card could not be posted in that channel: tell the declarer
            _notify(payload, slack_user, reply.text)
        return "declared from modal"
    if callback == blocks.UPDATE_MODAL:
        number = metadata.get("number")
        incident = incident_selectors.incident_get_for_user(
            user=actor, number=number if isinstance(number, int) else 0
        )
        incident_services.incident_post_stakeholder_update(
            incident=incident,
            body=str(values.get("body") or ""),
            impact=str(values.get("impact") or ""),
            eta=str(values.get("eta") or ""),
            actor=actor,
            source=Source.SLACK,
        )
        return f"update posted on #{incident.number}"
    return f"ignored view {callback}"


# --- Events API: :pushpin: adds a message to the timeline --------------------------------------


def _fetch_message(channel_id: str, ts: str) -> dict[str, Any] | None:
    found = (
        client.api(
            "conversations.history", channel=channel_id, latest=ts, inclusive=True, limit=1
        ).get("messages")
        or []
    )
    if found and found[0].get("ts") == ts:
        return found[0]
    # A reply in a thread is not in the history; conversations.replies finds it by its ts.
    replies = (
        client.api(
            "conversations.replies", channel=channel_id, ts=ts, latest=ts, inclusive=True, limit=1
        ).get("messages")
        or []
    )
    return next((m for m in replies if m.get("ts") == ts), None)


def event_process(payload: dict[str, Any]) -> str:
    event = payload.get("event") or {}
    item = event.get("item") or {}
    if event.get("type") != "reaction_added" or event.get("reaction") != "pushpin":
        return "ignored event"
    channel_id, ts = item.get("channel", ""), item.get("ts", "")
    link = IncidentChannel.objects.filter(channel_id=channel_id).exclude(channel_id="").first()
    if link is None or not ts:
        return "not an incident channel"
    if SlackPin.objects.filter(channel_id=channel_id, message_ts=ts).exists():
        return "pinned already"
    pinner = users.firebell_user(event.get("user", ""))
    if pinner is None or not incident_selectors.user_can_respond(pinner):
        text = (
            users.unknown_user_text(event.get("user", ""))
            if pinner is None
            else "You do not have permission to add to the incident's timeline."
        )
        client.api("chat.postEphemeral", channel=channel_id, user=event.get("user", ""), text=text)
        return "pinner may not add to the timeline"
    message = _fetch_message(channel_id, ts)
    if message is None:
        return "message not found"
    permalink = client.api("chat.getPermalink", channel=channel_id, message_ts=ts).get(
        "permalink", ""
    )
    author = users.firebell_user(message.get("user", "")) if message.get("user") else None
    return pin_record(
        incident_id=link.incident_id,
        channel_id=channel_id,
        ts=ts,
        pinner=pinner,
        text=message.get("text", ""),
        author_slack_id=message.get("user", ""),
        author=author,
        permalink=permalink,
    )


def pin_record(
    *,
    incident_id: int,
    channel_id: str,
    ts: str,
    pinner,
    text: str,
    author_slack_id: str,
    author,
    permalink: str,
) -> str:
    """Add the message to the timeline once (a unique row per message guards it)."""
    try:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().get(pk=incident_id)
            pin = SlackPin.objects.create(
                incident=incident, channel_id=channel_id, message_ts=ts, created_at=clock.now()
            )
            who = author.get_username() if author else f"Slack user {author_slack_id}"
            event = incident_services.timeline_event_record(
                incident=incident,
                kind="slack.message_pinned",
                actor=pinner,
                source=Source.SLACK,
                message=f"{who}: {text}",
                data={
                    "author": author.get_username() if author else None,
                    "author_slack_id": author_slack_id,
                    "text": text,
                    "permalink": permalink,
                    "channel": channel_id,
                    "ts": ts,
                },
            )
            SlackPin.objects.filter(pk=pin.pk).update(timeline_event=event)
    except IntegrityError:
        return "pinned already"
    return f"pinned to #{incident.number}"
