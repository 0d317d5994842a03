"""Every change to a post-mortem or an action item goes through one of these functions.

The browser, the REST API, Slack and the Celery tasks call them; each checks the actor's
permission, makes its change in one transaction and, for the post-mortem's milestones, writes an
event on the incident's timeline (`postmortem.created`, `.submitted`, `.changes_requested`,
`.approved`, `.published`, `.reopened`) so the incident page, Slack and the channels hear of it.
`actor=None` is Firebell itself (automatic creation, reminders).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.models import Incident, IncidentStatus, Source, TimelineEvent
from incidents.pages import event_label
from incidents.services import incident_close, timeline_event_record
from postmortems.models import (
    EDITABLE_STATUSES,
    ActionItem,
    ActionItemPriority,
    ActionItemStatus,
    ExtraSection,
    Postmortem,
    PostmortemSection,
    PostmortemStatus,
    Review,
    ReviewDecision,
    SectionComment,
    TimelineEntry,
)
from postmortems.sections import STANDARD_SECTIONS, initial_body

WRITE_PERMISSION = "postmortems.change_postmortem"
CREATE_PERMISSION = "postmortems.add_postmortem"
ACTION_ITEM_PERMISSION = "postmortems.change_actionitem"
# Timeline kinds copied into a post-mortem marked "key" from the start; the post-mortem's own
# events are not copied (they describe the review, not the incident).
KEY_KINDS = frozenset(
    {
        "incident.declared",
        "incident.acknowledged",
        "incident.mitigated",
        "incident.resolved",
        "incident.severity_changed",
        "incident.reopened",
    }
)
NOT_COPIED_PREFIXES = ("postmortem.", "action_item.")


def _require(actor: AbstractBaseUser | None, permission: str, action: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {action}.")


def _locked(postmortem: Postmortem) -> Postmortem:
    return _locked_by_id(postmortem.pk)


def _locked_by_id(pk: int) -> Postmortem:
    # of=self: lock the post-mortem only, not the incident joined for its number.
    return Postmortem.objects.select_for_update(of=("self",)).select_related("incident").get(pk=pk)


def _record(
    postmortem: Postmortem,
    kind: str,
    actor: AbstractBaseUser | None,
    source: str,
    message: str,
    **data: Any,
) -> None:
    timeline_event_record(
        incident=postmortem.incident,
        kind=kind,
        actor=actor,
        source=source,
        message=message,
        data={"postmortem": postmortem.pk, **data},
    )


def due_at_for(incident: Incident):
    """Due N hours after resolution, N from the incident's severity (48 by default)."""
    if incident.resolved_at is None:
        return None
    return incident.resolved_at + timedelta(hours=incident.severity.postmortem_within_hours)


# --- creating -------------------------------------------------------------------------------------


def postmortem_create(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    source: str,
    owner: AbstractBaseUser | None = None,
) -> Postmortem:
    """Start the post-mortem of `incident` with its sections and curated timeline.

    One per incident: raises ConflictError if it exists already (use `postmortem_ensure` for
    the idempotent variant). The owner defaults to the actor.
    """
    _require(actor, CREATE_PERMISSION, "start post-mortems")
    try:
        with transaction.atomic():
            return _create(incident=incident, actor=actor, source=source, owner=owner or actor)
    except IntegrityError:
        raise ConflictError(f"Incident #{incident.number} has a post-mortem already.") from None


def postmortem_ensure(*, incident: Incident, source: str = Source.SYSTEM) -> Postmortem:
    """The incident's post-mortem, created by the system if missing. Idempotent; call inside
    or outside a transaction."""
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _create(incident=incident, actor=None, source=source, owner=None)
    except IntegrityError:
        return Postmortem.objects.get(incident=incident)


def _create(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str, owner
) -> Postmortem:
    incident = Incident.objects.select_related("severity").get(pk=incident.pk)
    now = clock.now()
    postmortem = Postmortem.objects.create(
        incident=incident,
        owner=owner,
        created_by=actor,
        created_at=now,
        updated_at=now,
        due_at=due_at_for(incident),
    )
    specs = [(spec.key, spec.title, spec.guidance) for spec in STANDARD_SECTIONS]
    specs += [
        (extra.key, extra.title, extra.guidance)
        for extra in ExtraSection.objects.filter(severity=incident.severity)
        if extra.key not in {key for key, _, _ in specs}
    ]
    PostmortemSection.objects.bulk_create(
        PostmortemSection(
            postmortem=postmortem,
            key=key,
            title=title,
            guidance=guidance,
            position=position,
            body=initial_body(key, incident),
            updated_at=now,
        )
        for position, (key, title, guidance) in enumerate(specs)
    )
    _timeline_copy(postmortem)
    _record(
        postmortem,
        "postmortem.created",
        actor,
        source,
        f"Post-mortem started for incident #{incident.number}",
        url=f"/postmortems/{postmortem.pk}/",
    )
    return postmortem


def incident_resolved_postmortem_prepare(*, incident: Incident) -> Postmortem | None:
    """On resolution: create the post-mortem when the severity requires one, and (re)set the due
    time of an existing one. Runs inside the resolving transaction (timeline_event_recorded)."""
    incident = Incident.objects.select_related("severity").get(pk=incident.pk)
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None:
        if existing.status != PostmortemStatus.PUBLISHED:
            Postmortem.objects.filter(pk=existing.pk).update(due_at=due_at_for(incident))
        return existing
    if not incident.severity.postmortem_required:
        return None
    return postmortem_ensure(incident=incident)


# --- the curated timeline -----------------------------------------------------------------------


def _describe(event: TimelineEvent) -> str:
    label = event_label(event.kind)
    if event.message:  # the services write messages meant to be read as they are
        return event.message
    data = event.data or {}
    if "from" in data and "to" in data:
        return f"{label}: {data['from']} → {data['to']}"
    if "role" in data and "user" in data:
        return f"{label}: {data['role']} → {data['user']}"
    return label


def _timeline_copy(postmortem: Postmortem) -> int:
    """Copy the incident events not copied yet; returns how many were added."""
    copied = TimelineEntry.objects.filter(postmortem=postmortem, source_event__isnull=False).values(
        "source_event_id"
    )
    events = (
        TimelineEvent.objects.filter(incident_id=postmortem.incident_id)
        .exclude(pk__in=copied)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    entries = []
    for event in events:
        if event.kind.startswith(NOT_COPIED_PREFIXES):
            continue
        text = _describe(event)
        entries.append(
            TimelineEntry(
                postmortem=postmortem,
                source_event=event,
                occurred_at=event.created_at,
                text=text,
                original_text=text,
                who=event.actor.get_username() if event.actor else event.get_source_display(),
                is_key=event.kind in KEY_KINDS,
            )
        )
    TimelineEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def postmortem_timeline_refresh(*, postmortem: Postmortem, actor: AbstractBaseUser | None) -> int:
    """Copy incident events recorded since the post-mortem started (curated rows untouched)."""
    _require(actor, WRITE_PERMISSION, "edit post-mortems")
    with transaction.atomic():
        _editable(_locked(postmortem))
        return _timeline_copy(postmortem)


def timeline_entry_update(
    *,
    entry: TimelineEntry,
    actor: AbstractBaseUser | None,
    text: str | None = None,
    is_key: bool | None = None,
    hidden: bool | None = None,
) -> TimelineEntry:
    """Reword, mark key or hide one row of the post-mortem's own timeline copy. The incident's
    event it came from is never changed."""
    _require(actor, WRITE_PERMISSION, "edit post-mortems")
    with transaction.atomic():
        _editable(_locked(entry.postmortem))
        entry = TimelineEntry.objects.select_for_update().get(pk=entry.pk)
        if text is not None:
            text = text.strip()
            if not text:
                raise ValidationError("A timeline row needs text.", errors={"text": ["Required."]})
            entry.text = text
        if is_key is not None:
            entry.is_key = is_key
        if hidden is not None:
            entry.hidden = hidden
        entry.save(update_fields=["text", "is_key", "hidden"])
        _touch(entry.postmortem_id)
    return entry


def timeline_entry_add(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, occurred_at, text: str, who: str = ""
) -> TimelineEntry:
    """Add a row the incident's record missed (it has no source event)."""
    _require(actor, WRITE_PERMISSION, "edit post-mortems")
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = ["Required."]
    if occurred_at is None:
        errors["occurred_at"] = ["Required: when it happened."]
    if errors:
        raise ValidationError("The timeline row is incomplete.", errors=errors)
    with transaction.atomic():
        _editable(_locked(postmortem))
        entry = TimelineEntry.objects.create(
            postmortem=postmortem,
            occurred_at=occurred_at,
            text=text,
            who=who.strip() or (actor.get_username() if actor else ""),
            added_by=actor,
        )
        _touch(postmortem.pk)
    return entry


# --- sections -----------------------------------------------------------------------------------


def _editable(postmortem: Postmortem) -> Postmortem:
    if postmortem.status not in EDITABLE_STATUSES:
        raise ConflictError(
            "This post-mortem is published; reopen it before editing (the reopening is recorded)."
        )
    return postmortem


def _touch(postmortem_id: int) -> None:
    Postmortem.objects.filter(pk=postmortem_id).update(updated_at=clock.now())


def section_save(
    *,
    section: PostmortemSection,
    actor: AbstractBaseUser | None,
    body: str,
    base_version: int,
) -> PostmortemSection:
    """Save one section's Markdown if nobody saved it since `base_version` (optimistic check).

    Saves of different sections never touch each other's rows, so two people writing different
    sections both keep their work. A stale `base_version` raises ConflictError naming who saved
    the section meanwhile; nothing is overwritten. A published post-mortem raises ConflictError.
    """
    _require(actor, WRITE_PERMISSION, "edit post-mortems")
    now = clock.now()
    with transaction.atomic():
        # The post-mortem's row lock orders this save after a concurrent publish (the status is
        # read under it). Then a conditional UPDATE on the section alone claims the version:
        # the row count says whether we won. (No join in that UPDATE: Django turns a filter
        # across a relation into `id IN (subquery)`, which PostgreSQL does not re-check after
        # waiting for a concurrent writer — two saves from one version would both "win".)
        _editable(_locked_by_id(section.postmortem_id))
        saved = PostmortemSection.objects.filter(pk=section.pk, version=base_version).update(
            body=body, version=F("version") + 1, updated_at=now, updated_by=actor
        )
        current = PostmortemSection.objects.select_related("updated_by").get(pk=section.pk)
        if not saved:
            who = current.updated_by.get_username() if current.updated_by else "someone"
            raise ConflictError(
                f"Not saved: {who} saved \u201c{current.title}\u201d since you opened it "
                f"(version {current.version}, yours was {base_version}). Copy your text, reload "
                f"the section and merge.",
                errors={"base_version": [f"Current version is {current.version}."]},
            )
        _touch(current.postmortem_id)
    return current


def section_comment_add(
    *, section: PostmortemSection, actor: AbstractBaseUser | None, body: str
) -> SectionComment:
    _require(actor, WRITE_PERMISSION, "comment on post-mortems")
    body = (body or "").strip()
    if not body:
        raise ValidationError("A comment needs text.", errors={"body": ["Required."]})
    return SectionComment.objects.create(
        section=section, author=actor, body=body, created_at=clock.now()
    )


# --- workflow -----------------------------------------------------------------------------------


def _move(postmortem: Postmortem, to: str, verb: str) -> Postmortem:
    if not postmortem.can_transition_to(to):
        raise ConflictError(
            f"The post-mortem is {postmortem.get_status_display().lower()}; it cannot be {verb} "
            f"from there."
        )
    postmortem.status = to
    return postmortem


def postmortem_submit(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    source: str,
    reviewers: Iterable[AbstractBaseUser],
) -> Postmortem:
    """Draft → in review, asking the named reviewers (at least one, each a responder)."""
    _require(actor, WRITE_PERMISSION, "submit post-mortems")
    reviewers = list({user.pk: user for user in reviewers}.values())
    if not reviewers:
        raise ValidationError(
            "Name at least one reviewer.", errors={"reviewers": ["At least one is required."]}
        )
    unfit = [
        u.get_username() for u in reviewers if not u.is_active or not u.has_perm(WRITE_PERMISSION)
    ]
    if unfit:
        raise ValidationError(
            f"Not a responder: {', '.join(unfit)}.",
            errors={"reviewers": [f"{name} cannot review post-mortems." for name in unfit]},
        )
    with transaction.atomic():
        locked = _move(_locked(postmortem), PostmortemStatus.IN_REVIEW, "submitted")
        now = clock.now()
        locked.submitted_at = locked.updated_at = now
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        for reviewer in reviewers:
            Review.objects.update_or_create(
                postmortem=locked,
                reviewer=reviewer,
                defaults={
                    "decision": ReviewDecision.PENDING,
                    "note": "",
                    "requested_at": now,
                    "decided_at": None,
                },
            )
        names = ", ".join(u.get_username() for u in reviewers)
        _record(
            locked, "postmortem.submitted", actor, source, f"Post-mortem sent for review to {names}"
        )
    return locked


def postmortem_review_decide(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    source: str,
    approve: bool,
    note: str = "",
) -> Review:
    """A named reviewer approves, or requests changes (which sends it back to draft)."""
    _require(actor, WRITE_PERMISSION, "review post-mortems")
    if not approve and not note.strip():
        raise ValidationError(
            "Say what should change.", errors={"note": ["Required when requesting changes."]}
        )
    with transaction.atomic():
        locked = _locked(postmortem)
        if locked.status != PostmortemStatus.IN_REVIEW:
            raise ConflictError("The post-mortem is not in review.")
        review = (
            Review.objects.select_for_update().filter(postmortem=locked, reviewer=actor).first()
        )
        if review is None:
            raise PermissionDeniedError("You are not a reviewer of this post-mortem.")
        review.decision = ReviewDecision.APPROVED if approve else ReviewDecision.CHANGES_REQUESTED
        review.note = note.strip()
        review.decided_at = clock.now()
        review.save(update_fields=["decision", "note", "decided_at"])
        if approve:
            _record(locked, "postmortem.approved", actor, source, "Post-mortem approved")
        else:
            _move(locked, PostmortemStatus.DRAFT, "sent back")
            locked.updated_at = clock.now()
            locked.save(update_fields=["status", "updated_at"])
            _record(
                locked, "postmortem.changes_requested", actor, source, f"Changes requested: {note}"
            )
    return review


def postmortem_publish(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, source: str
) -> Postmortem:
    """In review → published, once a reviewer approved and none asks for changes; closes the
    incident (resolved → closed) in the same transaction. The incident must be resolved."""
    _require(actor, WRITE_PERMISSION, "publish post-mortems")
    with transaction.atomic():
        locked = _locked(postmortem)
        decisions = set(Review.objects.filter(postmortem=locked).values_list("decision", flat=True))
        if locked.status == PostmortemStatus.IN_REVIEW and ReviewDecision.APPROVED not in decisions:
            raise ConflictError("Not published: no reviewer has approved it yet.")
        _move(locked, PostmortemStatus.PUBLISHED, "published")
        incident = Incident.objects.select_for_update().get(pk=locked.incident_id)
        if incident.status == IncidentStatus.RESOLVED:
            incident_close(incident=incident, actor=actor, source=source)
        elif incident.status != IncidentStatus.CLOSED:
            raise ConflictError(
                f"Incident #{incident.number} is {incident.status}; resolve it before publishing "
                f"its post-mortem."
            )
        now = clock.now()
        locked.published_at = locked.updated_at = now
        locked.published_by = actor
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        _record(
            locked,
            "postmortem.published",
            actor,
            source,
            f"Post-mortem of incident #{incident.number} published",
            url=f"/postmortems/{locked.pk}/",
        )
    return locked


def postmortem_reopen(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, source: str, reason: str
) -> Postmortem:
    """Published → draft so it can be edited again; the reason is recorded on the timeline.
    The incident stays closed."""
    _require(actor, WRITE_PERMISSION, "reopen post-mortems")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why it is reopened.", errors={"reason": ["Required."]})
    with transaction.atomic():
        locked = _move(_locked(postmortem), PostmortemStatus.DRAFT, "reopened")
        now = clock.now()
        locked.reopened_at = locked.updated_at = now
        locked.reopen_count += 1
        locked.save(update_fields=["status", "reopened_at", "reopen_count", "updated_at"])
        Review.objects.filter(postmortem=locked).update(
            decision=ReviewDecision.PENDING, decided_at=None
        )
        _record(locked, "postmortem.reopened", actor, source, f"Post-mortem reopened: {reason}")
    return locked


def postmortem_set_owner(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, owner: AbstractBaseUser
) -> Postmortem:
    _require(actor, WRITE_PERMISSION, "edit post-mortems")
    with transaction.atomic():
        locked = _locked(postmortem)
        locked.owner = owner
        locked.updated_at = clock.now()
        locked.save(update_fields=["owner", "updated_at"])
    return locked


# --- action items -------------------------------------------------------------------------------


def _action_item_clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            errors["title"] = ["Required."]
        elif len(fields["title"]) > 200:
            errors["title"] = ["At most 200 characters."]
    if "owner" in fields and fields["owner"] is None:
        errors["owner"] = ["Required: who follows it up."]
    if "priority" in fields and fields["priority"] not in ActionItemPriority.values:
        errors["priority"] = [f"One of {', '.join(ActionItemPriority.values)}."]
    if "status" in fields and fields["status"] not in ActionItemStatus.values:
        errors["status"] = [f"One of {', '.join(ActionItemStatus.values)}."]
    if (
        "due_date" in fields
        and fields["due_date"] is not None
        and not isinstance(fields["due_date"], date)
    ):
        errors["due_date"] = ["A date (YYYY-MM-DD)."]
    if fields.get("ticket_url"):
        try:
            URLValidator(schemes=["http", "https"])(fields["ticket_url"])
        except DjangoValidationError:
            errors["ticket_url"] = ["An http(s) URL."]
    if errors:
        raise ValidationError("The action item is not valid.", errors=errors)
    return fields


def action_item_create(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    title: str,
    owner: AbstractBaseUser | None,
    due_date: date | None = None,
    priority: str = ActionItemPriority.MEDIUM,
    ticket_url: str = "",
    postmortem: Postmortem | None = None,
) -> ActionItem:
    """A follow-up of `incident` (linked to its post-mortem when it has one)."""
    _require(actor, "postmortems.add_actionitem", "create action items")
    fields = _action_item_clean(
        {
            "title": title,
            "owner": owner,
            "due_date": due_date,
            "priority": priority,
            "ticket_url": ticket_url or "",
        }
    )
    if postmortem is None:
        postmortem = Postmortem.objects.filter(incident=incident).first()
    elif postmortem.incident_id != incident.pk:
        raise ValidationError(
            "The post-mortem is of another incident.",
            errors={"postmortem": ["Not this incident's."]},
        )
    now = clock.now()
    return ActionItem.objects.create(
        incident=incident,
        postmortem=postmortem,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **fields,
    )


ACTION_ITEM_FIELDS = ("title", "owner", "due_date", "priority", "status", "ticket_url")


def action_item_update(
    *, item: ActionItem, actor: AbstractBaseUser | None, **changes: Any
) -> ActionItem:
    """Change any of ACTION_ITEM_FIELDS; reaching done / won't do stamps `completed_at`."""
    _require(actor, ACTION_ITEM_PERMISSION, "change action items")
    unknown = set(changes) - set(ACTION_ITEM_FIELDS)
    if unknown:
        raise ValidationError(
            "Unknown fields.", errors={name: ["Not a field of action items."] for name in unknown}
        )
    changes = _action_item_clean(dict(changes))
    with transaction.atomic():
        locked = ActionItem.objects.select_for_update().get(pk=item.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        now = clock.now()
        if "status" in changes:
            finished = changes["status"] in (ActionItemStatus.DONE, ActionItemStatus.WONT_DO)
            if finished and locked.completed_at is None:
                locked.completed_at = now
            elif not finished:
                locked.completed_at = None
        locked.updated_at = now
        locked.save()
    return locked
