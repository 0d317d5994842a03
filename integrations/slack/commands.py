"""The `/incident` slash command: parsing (pure, answered at once when wrong) and running each
subcommand through the same services and selectors as the browser and the API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from core.errors import NotFoundError, ValidationError
from incidents import selectors as incident_selectors
from incidents import services as incident_services
from incidents.models import Incident, Role, Severity, Source
from integrations.slack import blocks, client, users
from integrations.slack.models import IncidentChannel, MessageKind, SlackMessage
from oncall import selectors as oncall_selectors
from oncall import services as oncall_services
from oncall.models import Schedule
from postmortems import selectors as postmortem_selectors
from postmortems import services as postmortem_services

SEVERITY_RE = re.compile(r"^(?:sev-?)?([1-9])$", re.IGNORECASE)
NUMBER_RE = re.compile(r"^#(\d{1,9})$")
MENTION_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")

USAGE = {
    "declare": "declare <title> [sev1-4] [--channel]   (no title: opens a form)",
    "ack": "ack [#number]",
    "mitigate": "mitigate [#number] [what was done]",
    "resolve": "resolve [#number] [how it was resolved]",
    "close": "close [#number]",
    "sev": "sev [#number] <1-4>",
    "role": "role [#number] <commander|tech|comms|scribe> @user",
    "note": "note [#number] <text>",
    "update": "update [#number] [stakeholder update]   (no text: opens a form)",
    "status": "status [#number]",
    "page": "page [#number] @user|<schedule>",
    "oncall": "oncall [schedule]",
    "list": "list",
    "postmortem": "postmortem [#number]   (starts the post-mortem, or links to it)",
    "link": "link <code>   (the code from Firebell's Link Slack page)",
    "help": "help",
}
TEXT_COMMANDS = {"mitigate", "resolve", "note", "update", "declare", "link"}


class UsageError(Exception):
    """Bad usage: the message says what was wrong and the right form."""

    def __init__(self, message: str, name: str = "") -> None:
        right = f"\nUsage: `{settings.SLACK_COMMAND} {USAGE[name]}`" if name in USAGE else ""
        super().__init__(f"{message}{right}")


@dataclass(frozen=True)
class Parsed:
    name: str
    number: int | None = None
    args: tuple[str, ...] = ()
    text: str = ""


@dataclass
class Reply:
    text: str = ""
    blocks: list[dict] | None = None
    public: bool = False

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "response_type": "in_channel" if self.public else "ephemeral",
            "text": self.text,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        return body


def parse(text: str) -> Parsed:
    """Split the command text; raises UsageError for anything that can never work."""
    words = text.split()
    if not words or words[0].lower() == "help":
        return Parsed("help")
    name, args = words[0].lower(), words[1:]
    if name not in USAGE:
        raise UsageError(f"I don't know `{words[0]}`. Try `{settings.SLACK_COMMAND} help`.")
    number = None
    if args and NUMBER_RE.match(args[0]):
        number, args = int(args[0][1:]), args[1:]
    elif args and name not in TEXT_COMMANDS and NUMBER_RE.match(args[-1]):
        number, args = int(args[-1][1:]), args[:-1]
    rest = text.split(None, 1)[1] if len(words) > 1 else ""
    if number is not None:
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    parsed = Parsed(name, number, tuple(args), rest.strip())
    _check(parsed)
    return parsed


def _check(parsed: Parsed) -> None:
    name, args = parsed.name, parsed.args
    if name in {"ack", "close", "status", "list", "postmortem"} and args:
        raise UsageError(f"`{name}` takes no arguments besides the incident.", name)
    if name == "declare" and args and parsed.number is not None:
        raise UsageError("`declare` makes a new incident; leave out the number.", name)
    if name == "sev" and (len(args) != 1 or not SEVERITY_RE.match(args[0])):
        raise UsageError("Give one severity, 1 to 4.", name)
    if name == "role" and len(args) != 2:
        raise UsageError("Give a role and a person.", name)
    if name == "note" and not parsed.text:
        raise UsageError("A note needs some text.", name)
    if name == "page" and len(args) != 1:
        raise UsageError("Give one person or one schedule to page.", name)
    if name == "link" and len(args) != 1:
        raise UsageError("Give the code from Firebell.", name)
    if name == "oncall" and len(args) > 1:
        raise UsageError("Give at most one schedule.", name)


def help_reply() -> Reply:
    command = settings.SLACK_COMMAND
    lines = [f"`{command} {usage}`" for usage in USAGE.values()]
    return Reply(
        text="*Firebell incident commands*\n"
        + "\n".join(lines)
        + "\nIn an incident's channel the incident is implied; elsewhere name it with "
        f"`#<number>`, e.g. `{command} ack #12`."
    )


@dataclass
class Context:
    """One command being run: who asked, where, and how to reach them."""

    parsed: Parsed
    actor: AbstractBaseUser
    slack_user_id: str
    channel_id: str
    trigger_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def incident(self) -> Incident:
        number = self.parsed.number
        if number is None:
            link = IncidentChannel.objects.filter(channel_id=self.channel_id).first()
            if link is None or not self.channel_id:
                raise UsageError(
                    "This is not an incident channel: name the incident with `#<number>`.",
                    self.parsed.name,
                )
            number = Incident.objects.values_list("number", flat=True).get(pk=link.incident_id)
        return incident_selectors.incident_get_for_user(user=self.actor, number=number)

    def in_incident_channel(self, incident: Incident) -> bool:
        return IncidentChannel.objects.filter(
            incident=incident, channel_id=self.channel_id
        ).exists()

    def announce(self, incident: Incident, what: str) -> Reply:
        """Said in the channel where the command ran; the incident's own channel hears it from
        the timeline already, so there the reply is only for the person who asked."""
        text = (
            f"<@{self.slack_user_id}> {what} <{blocks.incident_url(incident)}|#{incident.number}>"
        )
        if self.in_incident_channel(incident):
            return Reply(text=f"Done: {what} #{incident.number}.")
        return Reply(text=f"{text} {incident.title}", public=True)


def person(mention: str) -> AbstractBaseUser:
    """`<@U123|name>` (Slack's escaped mention) or `@username` → the Firebell user."""
    found = MENTION_RE.match(mention)
    if found:
        user = users.firebell_user(found.group(1))
        if user is None:
            raise ValidationError(f"{mention} has no Firebell account I can find.")
        return user
    username = mention.lstrip("@")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(f"No Firebell user `{username}`; mention them with @.")
    return user


def severity(value: str | None) -> Severity:
    if value is None:
        return incident_selectors.severity_default()
    found = SEVERITY_RE.match(value)
    match = Severity.objects.filter(rank=int(found.group(1))).first() if found else None
    if match is None:
        ranks = ", ".join(str(r) for r in Severity.objects.values_list("rank", flat=True))
        raise ValidationError(f"There is no severity {value}; use one of {ranks}.")
    return match


def declared_reply(ctx: Context, incident: Incident) -> Reply:
    """Post the card where the incident was declared (tracked, so it stays current)."""
    try:
        answer = client.api(
            "chat.postMessage",
            channel=ctx.channel_id,
            text=blocks.headline(incident),
            blocks=blocks.incident_card(incident),
        )
    except client.SlackFailure:
        # Not in that channel (or a DM): the card goes back through response_url instead.
        return Reply(
            text=f"<@{ctx.slack_user_id}> declared {blocks.headline(incident)}",
            blocks=blocks.incident_card(incident),
            public=True,
        )
    SlackMessage.objects.get_or_create(
        channel_id=str(answer.get("channel") or ctx.channel_id),
        ts=str(answer.get("ts", "")),
        defaults={"incident": incident, "kind": MessageKind.CARD},
    )
    return Reply(text=f"Declared {blocks.headline(incident)}.")


def declare(ctx: Context, *, title: str, sev: Severity, summary="", services=(), channel=False):
    incident = incident_services.incident_create(
        title=title,
        severity=sev,
        summary=summary,
        services=services,
        actor=ctx.actor,
        commander=ctx.actor,
        source=Source.SLACK,
        origin={"slack": {"user": ctx.slack_user_id, "channel": channel}},
    )
    return declared_reply(ctx, incident)


def _declare(ctx: Context) -> Reply | None:
    if not ctx.parsed.text:
        view = blocks.declare_modal(
            list(incident_selectors.severity_list()),
            list(incident_selectors.service_list()),
            metadata=json.dumps({"channel_id": ctx.channel_id}),
        )
        client.api("views.open", trigger_id=ctx.trigger_id, view=view)
        return None
    words = [w for w in ctx.parsed.text.split() if w != "--channel"]
    sev = None
    if len(words) > 1 and SEVERITY_RE.match(words[-1]) and words[-1][:1].lower() == "s":
        sev, words = words[-1], words[:-1]
    return declare(
        ctx,
        title=" ".join(words),
        sev=severity(sev),
        channel="--channel" in ctx.parsed.text.split(),
    )


def _transition(service: Callable, verb: str, *, with_message: bool = False):
    def run(ctx: Context) -> Reply:
        extra = {"message": ctx.parsed.text} if with_message and ctx.parsed.text else {}
        incident = service(incident=ctx.incident(), actor=ctx.actor, source=Source.SLACK, **extra)
        return ctx.announce(incident, verb)

    return run


def _sev(ctx: Context) -> Reply:
    incident = incident_services.incident_change_severity(
        incident=ctx.incident(),
        severity=severity(ctx.parsed.args[0]),
        actor=ctx.actor,
        source=Source.SLACK,
    )
    return ctx.announce(incident, f"set severity {incident.severity.name} on")


def _role(ctx: Context) -> Reply:
    name, mention = ctx.parsed.args
    role = Role.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()
    if role is None:
        slugs = "|".join(Role.objects.values_list("slug", flat=True))
        raise UsageError(f"There is no role `{name}`; use one of {slugs}.", "role")
    incident = ctx.incident()
    user = person(mention)
    incident_services.incident_assign_role(
        incident=incident, role=role, user=user, actor=ctx.actor, source=Source.SLACK
    )
    return ctx.announce(incident, f"made {user.get_username()} {role.name} of")


def _note(ctx: Context) -> Reply:
    incident = ctx.incident()
    incident_services.incident_add_note(
        incident=incident, text=ctx.parsed.text, actor=ctx.actor, source=Source.SLACK
    )
    return ctx.announce(incident, "added a note to")


def _update(ctx: Context) -> Reply | None:
    incident = ctx.incident()
    if not ctx.parsed.text:
        if not incident_selectors.user_can_respond(ctx.actor):
            raise ValidationError("You do not have permission to post stakeholder updates.")
        draft = incident_selectors.stakeholder_update_draft(incident)
        metadata = json.dumps({"number": incident.number, "channel_id": ctx.channel_id})
        view = blocks.update_modal(incident, draft, metadata=metadata)
        client.api("views.open", trigger_id=ctx.trigger_id, view=view)
        return None
    incident_services.incident_post_stakeholder_update(
        incident=incident, body=ctx.parsed.text, actor=ctx.actor, source=Source.SLACK
    )
    return ctx.announce(incident, "posted a stakeholder update on")


def _status(ctx: Context) -> Reply:
    incident = ctx.incident()
    return Reply(text=blocks.headline(incident), blocks=blocks.incident_card(incident))


def _schedule(name: str) -> Schedule:
    schedule = Schedule.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()
    if schedule is None:
        raise NotFoundError(f"There is no schedule `{name}`.")
    return schedule


def _page(ctx: Context) -> Reply:
    incident = ctx.incident()
    target = ctx.parsed.args[0]
    if MENTION_RE.match(target) or target.startswith("@"):
        user = person(target)
    else:
        schedule = _schedule(target)
        user = oncall_selectors.schedule_oncall_user(schedule)
        if user is None:
            raise ValidationError(f"Nobody is on call for {schedule.name} right now.")
    oncall_services.page_extra_responder(
        incident=incident, user=user, actor=ctx.actor, source=Source.SLACK
    )
    return ctx.announce(incident, f"paged {user.get_username()} for")


def _oncall(ctx: Context) -> Reply:
    if ctx.parsed.args:
        schedule = _schedule(ctx.parsed.args[0])
        rows = [(schedule, oncall_selectors.schedule_oncall_user(schedule))]
    else:
        rows = oncall_selectors.oncall_now(actor=ctx.actor)
    if not rows:
        return Reply(text="There are no on-call schedules.")
    lines = []
    for schedule, user in rows:
        now = user.get_username() if user else "nobody"
        upcoming = oncall_selectors.schedule_next_handoffs(schedule, actor=ctx.actor, count=1)
        later = ""
        if upcoming:
            start = blocks.slack_time(
                upcoming[0].start_at, "{date_short} {time}", "%a %d %b %H:%M UTC"
            )
            later = f"; next: {upcoming[0].user.get_username()} from {start}"
        lines.append(f"*{schedule.name}*: {now} now{later}")
    return Reply(text="\n".join(lines))


def _list(ctx: Context) -> Reply:
    filters = incident_selectors.IncidentFilters(open_only=True)
    incidents = list(incident_selectors.incident_list(user=ctx.actor, filters=filters)[:20])
    if not incidents:
        return Reply(text="No open incidents. :tada:")
    lines = [
        f"<{blocks.incident_url(i)}|{blocks.headline(i)}> — {i.get_status_display()}"
        for i in incidents
    ]
    return Reply(text="*Open incidents*\n" + "\n".join(lines))


def _postmortem(ctx: Context) -> Reply:
    """Start the incident's post-mortem (the same service as the browser's button), or link to
    the one that exists."""
    incident = ctx.incident()
    postmortem = postmortem_selectors.postmortem_of_incident(incident=incident)
    if postmortem is not None:
        url = f"{settings.PUBLIC_BASE_URL}/postmortems/{postmortem.pk}/"
        state = postmortem.get_status_display().lower()
        return Reply(text=f"The post-mortem of #{incident.number} is {state}: <{url}|open it>.")
    postmortem = postmortem_services.postmortem_create(
        incident=incident, actor=ctx.actor, source=Source.SLACK
    )
    url = f"{settings.PUBLIC_BASE_URL}/postmortems/{postmortem.pk}/"
    reply = ctx.announce(incident, "started the post-mortem of")
    reply.text += f" <{url}|Write it>."
    return reply


HANDLERS: dict[str, Callable[[Context], Reply | None]] = {
    "declare": _declare,
    "ack": _transition(incident_services.incident_acknowledge, "acknowledged"),
    "mitigate": _transition(incident_services.incident_mitigate, "mitigated", with_message=True),
    "resolve": _transition(incident_services.incident_resolve, "resolved", with_message=True),
    "close": _transition(incident_services.incident_close, "closed"),
    "sev": _sev,
    "role": _role,
    "note": _note,
    "update": _update,
    "status": _status,
    "page": _page,
    "oncall": _oncall,
    "list": _list,
    "postmortem": _postmortem,
    "help": lambda ctx: help_reply(),
}
