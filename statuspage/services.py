"""Writes of the status page: publishing an incident, posting public updates, maintenance.

Public text is always written by a person for the public: nothing is copied from the incident's
title, summary, notes or stakeholder updates. Each write records a timeline event on the
incident in the same transaction, and after commit clears the cached page
(`statuspage.cache`) and queues the subscribers' e-mails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents import services as incident_services
from incidents.models import Incident, Source
from statuspage import cache
from statuspage.models import Component, Maintenance, Publication, PublicStatus, PublicUpdate

RESPOND_PERMISSION = "incidents.respond_incident"
CONFIGURE_PERMISSION = "statuspage.change_component"

# The starting text of a public update for each status (the form's template; editable).
UPDATE_TEMPLATES = {
    PublicStatus.INVESTIGATING: "We are investigating reports of problems with {components}. "
    "We will post an update within 30 minutes.",
    PublicStatus.IDENTIFIED: "We have identified the cause of the problems with {components} "
    "and are working on a fix.",
    PublicStatus.MONITORING: "A fix has been applied to {components}. "
    "We are monitoring the results.",
    PublicStatus.RESOLVED: "The problems with {components} have been resolved. "
    "We apologise for the inconvenience.",
}


def update_template(status: str, components: Iterable[Component]) -> str:
    names = ", ".join(component.name for component in components) or "our services"
    return UPDATE_TEMPLATES[PublicStatus(status)].format(components=names)


def _require(actor: AbstractBaseUser | None, permission: str, what: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {what}.")


def _clean_text(title: str, body: str) -> tuple[str, str]:
    errors = {}
    if not title.strip():
        errors["title"] = ["Required: the public title."]
    if not body.strip():
        errors["body"] = ["Required: what the public should read."]
    if errors:
        field, reasons = next(iter(errors.items()))
        raise ValidationError(f"{field.capitalize()}: {reasons[0]}", errors=errors)
    return title.strip(), body.strip()


def publication_create(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    title: str,
    status: str,
    body: str,
    components: Iterable[Component],
) -> Publication:
    """Show `incident` on the status page with a public title and its first public update.

    Raises ConflictError when it is already published (post an update instead)."""
    _require(actor, RESPOND_PERMISSION, "publish incidents")
    title, body = _clean_text(title, body)
    status = _status(status)
    now = clock.now()
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                incident=incident,
                title=title[:200],
                status=status,
                published_at=now,
                published_by=actor,
                resolved_at=now if status == PublicStatus.RESOLVED else None,
            )
            publication.components.set(list(components))
            update = PublicUpdate.objects.create(
                publication=publication, status=status, body=body, created_at=now, created_by=actor
            )
            incident_services.timeline_event_record(
                incident=incident,
                kind="statuspage.published",
                actor=actor,
                source=Source.WEB,
                message=f"Published on the status page as “{title}” ({status}).",
                data={"publication": publication.pk, "update": update.pk, "status": status},
            )
            _after_commit(update.pk)
    except IntegrityError:
        raise ConflictError(f"Incident #{incident.number} is already published.") from None
    return publication


def public_update_post(
    *, publication: Publication, actor: AbstractBaseUser | None, status: str, body: str
) -> PublicUpdate:
    """Post a public update; its status becomes the publication's (resolved ends it)."""
    _require(actor, RESPOND_PERMISSION, "post public updates")
    _title, body = _clean_text(publication.title, body)
    status = _status(status)
    now = clock.now()
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        update = PublicUpdate.objects.create(
            publication=publication, status=status, body=body, created_at=now, created_by=actor
        )
        publication.status = status
        publication.resolved_at = now if status == PublicStatus.RESOLVED else None
        publication.save(update_fields=["status", "resolved_at"])
        incident_services.timeline_event_record(
            incident=publication.incident,
            kind="statuspage.update_posted",
            actor=actor,
            source=Source.WEB,
            message=f"Public update posted ({status}).",
            data={"publication": publication.pk, "update": update.pk, "status": status},
        )
        _after_commit(update.pk)
    return update


def _status(value: str) -> str:
    if value not in PublicStatus.values:
        raise ValidationError(
            f"Status: choose one of {', '.join(PublicStatus.values)}.",
            errors={"status": ["Unknown status."]},
        )
    return value


def _after_commit(update_id: int | None) -> None:
    transaction.on_commit(cache.page_clear)
    if update_id is not None:
        from statuspage.tasks import subscribers_notify_task

        transaction.on_commit(lambda: _queue(subscribers_notify_task, update_id))


def _queue(task, *args) -> None:
    # A broker that is down must not fail the write: the beat sweep re-queues it.
    try:
        task.apply_async(args, retry=False)
    except Exception:
        import logging

        logging.getLogger(__name__).warning("Could not queue %s", task.name, exc_info=True)


def maintenance_schedule(
    *,
    actor: AbstractBaseUser | None,
    title: str,
    body: str,
    starts_at: datetime,
    ends_at: datetime,
    components: Iterable[Component],
) -> Maintenance:
    """Schedule maintenance: its components show "under maintenance" between start and end."""
    _require(actor, CONFIGURE_PERMISSION, "schedule maintenance")
    if not title.strip():
        raise ValidationError("Title: Required.", errors={"title": ["Required."]})
    if ends_at <= starts_at:
        raise ValidationError(
            "End: must be after the start.", errors={"ends_at": ["Must be after the start."]}
        )
    with transaction.atomic():
        maintenance = Maintenance.objects.create(
            title=title.strip(), body=body.strip(), starts_at=starts_at, ends_at=ends_at
        )
        maintenance.components.set(list(components))
        _after_commit(None)
    return maintenance


def component_set_state(
    *, component: Component, actor: AbstractBaseUser | None, state: str
) -> Component:
    """Set a component's state by hand; "" goes back to deriving it from incidents."""
    _require(actor, CONFIGURE_PERMISSION, "change components")
    from statuspage.models import ComponentState

    if state and state not in ComponentState.values:
        raise ValidationError("State: unknown.", errors={"state": ["Unknown state."]})
    with transaction.atomic():
        component.manual_state = state
        component.save(update_fields=["manual_state"])
        _after_commit(None)
    return component
