"""What the Slack app shows: the incident card (with its buttons), the channel topic, the
timeline lines posted to the channel and the two modals. Pure functions of the incident."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from incidents.models import OPEN_STATUSES, Incident, IncidentStatus, TimelineEvent
from incidents.selectors import incident_commander

ACKNOWLEDGE, RESOLVE, ESCALATE, OPEN = (
    "incident_acknowledge",
    "incident_resolve",
    "incident_escalate",
    "incident_open",
)
DECLARE_MODAL, UPDATE_MODAL = "incident_declare", "incident_stakeholder_update"


def incident_url(incident: Incident) -> str:
    return f"{settings.PUBLIC_BASE_URL}/incidents/{incident.number}/"


def headline(incident: Incident) -> str:
    return f"[{incident.severity.name}] #{incident.number} {incident.title}"


def button(label: str, action_id: str, value: str, style: str = "") -> dict:
    element = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def incident_buttons(incident_id: int, url: str, *, status: str | None = None) -> dict:
    """Acknowledge / Resolve / Escalate / Open in Firebell; with `status`, only the ones that
    apply to it (Open always)."""
    value = str(incident_id)
    wanted = [
        (
            "Acknowledge",
            ACKNOWLEDGE,
            "primary",
            {IncidentStatus.TRIGGERED, IncidentStatus.MITIGATED},
        ),
        ("Resolve", RESOLVE, "danger", set(OPEN_STATUSES)),
        ("Escalate", ESCALATE, "", {IncidentStatus.TRIGGERED}),
    ]
    elements = [
        button(label, action, value, style)
        for label, action, style, statuses in wanted
        if status is None or status in statuses
    ]
    open_button = button("Open in Firebell", OPEN, value)
    open_button["url"] = url
    return {
        "type": "actions",
        "block_id": f"incident-{incident_id}",
        "elements": [*elements, open_button],
    }


def _who(user) -> str:
    if user is None:
        return "Firebell"
    link = getattr(user, "slack_link", None)
    return f"<@{link.slack_user_id}>" if link else user.get_username()


def slack_time(moment: datetime, tokens: str = "{time}", fallback: str = "%H:%M UTC") -> str:
    """A moment Slack shows in each reader's own time zone (`<!date^…>`); the fallback, in UTC
    and saying so, is for clients that cannot."""
    return f"<!date^{int(moment.timestamp())}^{tokens}|{moment.astimezone(UTC):{fallback}}>"


def last_action(incident: Incident) -> str:
    """Who did the latest status change, for the card: "Acknowledged by <@U1> at 10:42"."""
    for stamp in ("closed", "resolved", "mitigated", "acknowledged"):
        if getattr(incident, f"{stamp}_at"):
            when = slack_time(getattr(incident, f"{stamp}_at"))
            return f"{stamp.capitalize()} by {_who(getattr(incident, f'{stamp}_by'))} at {when}"
    return f"Declared by {_who(incident.declared_by)}"


def incident_card(incident: Incident, *, note: str = "") -> list[dict]:
    """The summary card: state, commander, who did what, and the buttons that apply now."""
    commander = incident_commander(incident)
    services = ", ".join(s.name for s in incident.services.all()) or "—"
    fields = [
        ("Status", incident.get_status_display()),
        ("Severity", f"{incident.severity.name} {incident.severity.label}"),
        ("Commander", _who(commander) if commander else "unassigned"),
        ("Services", services),
    ]
    blocks: list[dict] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*<{incident_url(incident)}|{headline(incident)}>*"
                + (f"\n{incident.summary}" if incident.summary else ""),
            },
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": " · ".join(filter(None, [last_action(incident), note]))}
            ],
        },
    ]
    blocks.append(incident_buttons(incident.pk, incident_url(incident), status=incident.status))
    return blocks


def topic(incident: Incident) -> str:
    commander = incident_commander(incident)
    name = commander.get_username() if commander else "unassigned"
    text = (
        f"{incident.severity.name} · {incident.get_status_display()} · IC: {name} · "
        f"{incident_url(incident)}"
    )
    return text[:250]


def timeline_line(event: TimelineEvent) -> str:
    """One line in the incident channel for a timeline event."""
    actor = _who(event.actor) if event.actor_id else "Firebell"
    if event.kind == "incident.stakeholder_update_posted":
        return f":mega: *Stakeholder update* by {actor}:\n>{event.message}"
    if event.kind == "incident.note_added":
        return f":memo: {actor}: {event.message}"
    if event.kind == "postmortem.published" and event.data.get("url"):
        link = f"{settings.PUBLIC_BASE_URL}{event.data['url']}"
        return f":books: *{event.message}* by {actor}: <{link}|read the post-mortem>"
    label = event.kind.split(".", 1)[-1].replace("_", " ")
    detail = event.message or label.capitalize()
    return f":small_blue_diamond: {detail} — {actor} ({label})"


def plain_input(block_id: str, label: str, *, multiline=False, initial="", optional=False):
    element: dict = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }


def _options(pairs) -> list[dict]:
    return [{"text": {"type": "plain_text", "text": t[:75]}, "value": v} for v, t in pairs]


def declare_modal(severities, services, *, metadata: str) -> dict:
    """Title, severity, service, summary and "create a channel" (always for SEV-1/2)."""
    severity_options = _options((str(s.rank), f"{s.name} {s.label}") for s in severities)
    blocks = [
        plain_input("title", "Title"),
        {
            "type": "input",
            "block_id": "severity",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": severity_options,
                "initial_option": severity_options[-1] if severity_options else None,
            },
        },
    ]
    if services:
        blocks.append(
            {
                "type": "input",
                "block_id": "service",
                "optional": True,
                "label": {"type": "plain_text", "text": "Service"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": _options((s.slug, s.name) for s in services[:100]),
                },
            }
        )
    blocks.append(plain_input("summary", "Summary", multiline=True, optional=True))
    blocks.append(
        {
            "type": "input",
            "block_id": "channel",
            "optional": True,
            "label": {"type": "plain_text", "text": "Incident channel"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": _options([("yes", "Create a channel (always for SEV-1 and SEV-2)")]),
            },
        }
    )
    if not severity_options:
        blocks[1]["element"].pop("initial_option")
    return {
        "type": "modal",
        "callback_id": DECLARE_MODAL,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": blocks,
    }


def update_modal(incident: Incident, draft: str, *, metadata: str) -> dict:
    return {
        "type": "modal",
        "callback_id": UPDATE_MODAL,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": f"Update on #{incident.number}"[:24]},
        "submit": {"type": "plain_text", "text": "Post update"},
        "blocks": [
            plain_input("body", "Message to stakeholders", multiline=True, initial=draft),
            plain_input("impact", "Customer impact", optional=True),
            plain_input("eta", "ETA", optional=True),
        ],
    }
