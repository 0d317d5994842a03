"""Every change to an incident goes through one of these functions.

Each one checks the actor's permission, locks the incident row, applies the change, writes its
timeline event in the same transaction and announces it after commit. The browser, the API,
Slack, alert intake and Celery tasks all call these; none of them changes an incident directly.
`actor=None` means Firebell itself (the system), which needs no permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from core import clock
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from incidents.events import announce
from incidents.models import (
    AssignmentKind,
    Incident,
    IncidentStatus,
    Role,
    RoleAssignment,
    Service,
    Severity,
    Source,
    StakeholderUpdate,
    TimelineEvent,
)

RESPOND_PERMISSION = "incidents.respond_incident"
DECLARE_PERMISSION = "incidents.add_incident"
EDITABLE_FIELDS = ("title", "summary", "customer_impact")


def _person_name(user: AbstractBaseUser) -> str:
    """A person as every screen names them: the full name, else the username."""
    return user.get_full_name() or user.get_username()


def _require(actor: AbstractBaseUser | None, permission: str, action: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(f"You do not have permission to {action}.")


def _locked(incident: Incident) -> Incident:
    """Re-read the incident under a row lock so concurrent changes queue up behind each other."""
    return Incident.objects.select_for_update().select_related("severity").get(pk=incident.pk)


def timeline_event_record(
    *,
    incident: Incident,
    kind: str,
    actor: AbstractBaseUser | None,
    source: str,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append a timeline event; call inside the transaction that made the change."""
    event = TimelineEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        source=source,
        message=message,
        data=data or {},
        created_at=clock.now(),
    )
    announce(event)
    return event


NUMBER_SEQUENCE = "incidents_incident_number_seq"  # created by migration incidents.0004


def _number_next() -> int:
    """The next incident number, without waiting on any other transaction.

    PostgreSQL: `nextval()` of a sequence — unique and increasing, never blocked, but a number
    taken by a declaration that rolls back is skipped (gaps are expected). SQLite: `max + 1`;
    there every transaction already holds the database's write lock from BEGIN (IMMEDIATE mode).
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [NUMBER_SEQUENCE])
            return cursor.fetchone()[0]
    return (Incident.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _number_sequence_catch_up() -> None:
    """Move the sequence past numbers inserted without it (a restored dump, seeded data)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(%s, GREATEST((SELECT COALESCE(max(number), 0) FROM incidents_incident),"
            f" (SELECT last_value FROM {NUMBER_SEQUENCE})))",
            [NUMBER_SEQUENCE],
        )


def _incident_insert(**fields: Any) -> Incident:
    # Savepoints: a number already taken must not undo the caller's transaction.
    try:
        with transaction.atomic():
            return Incident.objects.create(number=_number_next(), **fields)
    except IntegrityError:
        _number_sequence_catch_up()  # numbers were inserted without the sequence; skip past them
    with transaction.atomic():
        return Incident.objects.create(number=_number_next(), **fields)


def incident_create(
    *,
    title: str,
    severity: Severity,
    actor: AbstractBaseUser | None,
    source: str,
    summary: str = "",
    customer_impact: str = "",
    services: Iterable[Service] = (),
    commander: AbstractBaseUser | None = None,
    paging: bool = True,
    origin: dict[str, Any] | None = None,
) -> Incident:
    """Declare an incident (status `triggered`) with its services, commander and declared event.

    All or nothing: the incident, its services, the `incident.declared` event (which starts
    escalation) and the commander's assignment commit in one transaction, so a refused commander
    (PermissionDeniedError, ValidationError) leaves no incident behind. Numbers are unique and
    increasing but may have gaps (see `_number_next`). `paging=False` (an integration in
    maintenance) is recorded on the `incident.declared` event, which the escalation engine reads:
    nobody is paged. `origin` says where it came from.
    """
    _require(actor, DECLARE_PERMISSION, "declare incidents")
    title = title.strip()
    if not title:
        raise ValidationError("An incident needs a title.", errors={"title": ["Required."]})
    services = list(services)
    with transaction.atomic():
        now = clock.now()
        incident = _incident_insert(
            title=title,
            summary=summary,
            customer_impact=customer_impact,
            severity=severity,
            source=source,
            declared_by=actor,
            created_at=now,
            triggered_at=now,
        )
        if services:
            incident.services.add(*services)
        timeline_event_record(
            incident=incident,
            kind="incident.declared",
            actor=actor,
            source=source,
            message=f"Incident #{incident.number} declared: {title}",
            data={
                "title": title,
                "severity": severity.name,
                "services": [service.slug for service in services],
                "paging": paging,
                **({"origin": origin} if origin else {}),
            },
        )
        if commander is not None:
            commander_role = Role.objects.filter(slug="commander").first()
            if commander_role is not None:
                incident_assign_role(
                    incident=incident,
                    role=commander_role,
                    user=commander,
                    actor=actor,
                    source=source,
                )
    return incident


def _transition(
    incident: Incident,
    *,
    to: str,
    actor: AbstractBaseUser | None,
    source: str,
    kind: str,
    verb: str,
    message: str = "",
    extra: dict[str, Any] | None = None,
) -> Incident:
    _require(actor, RESPOND_PERMISSION, f"{verb} incidents")
    with transaction.atomic():
        locked = _locked(incident)
        if not locked.can_transition_to(to):
            raise ConflictError(
                f"Incident #{locked.number} is {locked.status}; it cannot be {kind.split('.')[1]}"
                f" from there."
            )
        previous = locked.status
        now = clock.now()
        locked.status = to
        stamp = {
            IncidentStatus.ACKNOWLEDGED: "acknowledged",
            IncidentStatus.MITIGATED: "mitigated",
            IncidentStatus.RESOLVED: "resolved",
            IncidentStatus.CLOSED: "closed",
        }.get(to)
        fields = ["status", "updated_at"]
        # The first acknowledgement counts for time-to-acknowledge; a re-acknowledgement after
        # mitigation failed keeps it.
        if stamp and not (stamp == "acknowledged" and locked.acknowledged_at):
            setattr(locked, f"{stamp}_at", now)
            setattr(locked, f"{stamp}_by", actor)
            fields += [f"{stamp}_at", f"{stamp}_by"]
        if stamp == "acknowledged" and previous == IncidentStatus.MITIGATED:
            locked.mitigated_at = locked.mitigated_by = None
            fields += ["mitigated_at", "mitigated_by"]
        if to == IncidentStatus.TRIGGERED:
            fields += _start_new_cycle(locked, now=now, reopened=previous != "acknowledged")
        locked.save(update_fields=fields)
        timeline_event_record(
            incident=locked,
            kind=kind,
            actor=actor,
            source=source,
            message=message,
            data={"from": previous, "to": to, **(extra or {})},
        )
    return locked


def _start_new_cycle(incident: Incident, *, now, reopened: bool) -> list[str]:
    """Clear the response stamps so the figures describe the new cycle (history is the timeline)."""
    cleared = ["acknowledged", "mitigated", "resolved", "closed"]
    for stamp in cleared:
        setattr(incident, f"{stamp}_at", None)
        setattr(incident, f"{stamp}_by", None)
    incident.triggered_at = now
    fields = [f"{s}_{suffix}" for s in cleared for suffix in ("at", "by")] + ["triggered_at"]
    if reopened:
        incident.reopened_at = now
        incident.reopen_count += 1
        fields += ["reopened_at", "reopen_count"]
    return fields


def incident_acknowledge(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str
) -> Incident:
    """Acknowledge: someone is on it. Raises ConflictError unless triggered or mitigated.

    A person who acknowledges an incident that has no (primary) Incident Commander becomes its
    commander, in the same transaction, with its own `incident.role_assigned` event: whoever
    took the page is running the incident until they hand it over.
    """
    with transaction.atomic():
        acknowledged = _transition(
            incident,
            to=IncidentStatus.ACKNOWLEDGED,
            actor=actor,
            source=source,
            kind="incident.acknowledged",
            verb="acknowledge",
        )
        if actor is not None and actor.is_active:
            commander_role = Role.objects.filter(slug="commander").first()
            has_commander = RoleAssignment.objects.filter(
                incident=acknowledged,
                role=commander_role,
                kind=AssignmentKind.PRIMARY,
                ended_at__isnull=True,
            ).exists()
            if commander_role is not None and not has_commander:
                incident_assign_role(
                    incident=acknowledged,
                    role=commander_role,
                    user=actor,
                    actor=actor,
                    source=source,
                )
    return acknowledged


def incident_mitigate(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str, message: str = ""
) -> Incident:
    return _transition(
        incident,
        to=IncidentStatus.MITIGATED,
        actor=actor,
        source=source,
        kind="incident.mitigated",
        verb="mitigate",
        message=message,
    )


def incident_resolve(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str, message: str = ""
) -> Incident:
    return _transition(
        incident,
        to=IncidentStatus.RESOLVED,
        actor=actor,
        source=source,
        kind="incident.resolved",
        verb="resolve",
        message=message,
    )


def incident_close(*, incident: Incident, actor: AbstractBaseUser | None, source: str) -> Incident:
    return _transition(
        incident,
        to=IncidentStatus.CLOSED,
        actor=actor,
        source=source,
        kind="incident.closed",
        verb="close",
    )


def incident_reopen(
    *, incident: Incident, actor: AbstractBaseUser | None, source: str, reason: str = ""
) -> Incident:
    """Reopen a resolved incident: back to `triggered`, a new response cycle, paging again."""
    _require(actor, RESPOND_PERMISSION, "reopen incidents")
    if incident.status != IncidentStatus.RESOLVED:
        # Checked again under the lock in _transition; this gives the clearer message.
        fresh = Incident.objects.get(pk=incident.pk)
        if fresh.status != IncidentStatus.RESOLVED:
            raise ConflictError(
                f"Incident #{fresh.number} is {fresh.status}; only a resolved incident can be "
                f"reopened."
            )
    return _transition(
        incident,
        to=IncidentStatus.TRIGGERED,
        actor=actor,
        source=source,
        kind="incident.reopened",
        verb="reopen",
        message=reason,
        extra={"reason": reason},
    )


def incident_unacknowledge(*, incident: Incident, source: str = Source.SYSTEM) -> Incident:
    """Return an acknowledged incident to `triggered` (acknowledge timeout); system only."""
    return _transition(
        incident,
        to=IncidentStatus.TRIGGERED,
        actor=None,
        source=source,
        kind="incident.unacknowledged",
        verb="unacknowledge",
        message="Acknowledgement timed out; escalation resumes.",
    )


def incident_change_severity(
    *, incident: Incident, severity: Severity, actor: AbstractBaseUser | None, source: str
) -> Incident:
    _require(actor, RESPOND_PERMISSION, "change severity")
    with transaction.atomic():
        locked = _locked(incident)
        if locked.status == IncidentStatus.CLOSED:
            raise ConflictError(f"Incident #{locked.number} is closed; reopen it first.")
        if locked.severity_id == severity.pk:
            return locked
        previous = locked.severity
        locked.severity = severity
        locked.save(update_fields=["severity", "updated_at"])
        timeline_event_record(
            incident=locked,
            kind="incident.severity_changed",
            actor=actor,
            source=source,
            message=f"Severity changed from {previous.name} to {severity.name}",
            data={"from": previous.name, "to": severity.name},
        )
    return locked


def incident_update(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    source: str,
    services: Iterable[Service] | None = None,
    **changes: str,
) -> Incident:
    """Edit title, summary, customer impact and/or services; unchanged values are ignored."""
    _require(actor, RESPOND_PERMISSION, "edit incidents")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot edit {', '.join(sorted(unknown))}.")
    if "title" in changes and not changes["title"].strip():
        raise ValidationError("An incident needs a title.", errors={"title": ["Required."]})
    with transaction.atomic():
        locked = _locked(incident)
        diff = {
            field: {"from": getattr(locked, field), "to": value}
            for field, value in changes.items()
            if getattr(locked, field) != value
        }
        for field, change in diff.items():
            setattr(locked, field, change["to"])
        if diff:
            locked.save(update_fields=[*diff, "updated_at"])
        if services is not None:
            before = sorted(locked.services.values_list("slug", flat=True))
            after = sorted(service.slug for service in services)
            if before != after:
                locked.services.set(list(services))
                diff["services"] = {"from": before, "to": after}
        if diff:
            timeline_event_record(
                incident=locked,
                kind="incident.updated",
                actor=actor,
                source=source,
                message="Changed " + ", ".join(field.replace("_", " ") for field in diff),
                data={"changes": diff},
            )
    return locked


def incident_assign_role(
    *,
    incident: Incident,
    role: Role,
    user: AbstractBaseUser,
    actor: AbstractBaseUser | None,
    source: str,
    kind: str = AssignmentKind.PRIMARY,
) -> RoleAssignment:
    """Give `role` to `user`, ending the previous holder's assignment (kept as history).

    Idempotent: assigning the current holder again changes nothing.
    """
    _require(actor, RESPOND_PERMISSION, "assign roles")
    if kind not in AssignmentKind.values:
        raise ValidationError(f"Assignment kind must be one of {', '.join(AssignmentKind.values)}.")
    if not user.is_active:
        raise ValidationError(f"{user.get_username()} is not an active user.")
    with transaction.atomic():
        locked = _locked(incident)
        if locked.status == IncidentStatus.CLOSED:
            raise ConflictError(f"Incident #{locked.number} is closed; roles can no longer change.")
        now = clock.now()
        current = (
            RoleAssignment.objects.select_for_update()
            .filter(incident=locked, role=role, kind=kind, ended_at__isnull=True)
            .first()
        )
        if current is not None and current.user_id == user.pk:
            return current
        previous_holder = None
        if current is not None:
            previous_holder = _person_name(current.user)
            current.ended_at, current.ended_by = now, actor
            current.save(update_fields=["ended_at", "ended_by"])
        assignment = RoleAssignment.objects.create(
            incident=locked, role=role, kind=kind, user=user, assigned_at=now, assigned_by=actor
        )
        timeline_event_record(
            incident=locked,
            kind="incident.role_assigned",
            actor=actor,
            source=source,
            message=f"{_person_name(user)} is now {role.name} ({kind})",
            data={
                "role": role.slug,
                "kind": kind,
                "user": user.get_username(),
                "previous": previous_holder,
            },
        )
    return assignment


def incident_unassign_role(
    *,
    incident: Incident,
    role: Role,
    actor: AbstractBaseUser | None,
    source: str,
    kind: str = AssignmentKind.PRIMARY,
) -> None:
    _require(actor, RESPOND_PERMISSION, "assign roles")
    with transaction.atomic():
        locked = _locked(incident)
        current = (
            RoleAssignment.objects.select_for_update()
            .filter(incident=locked, role=role, kind=kind, ended_at__isnull=True)
            .first()
        )
        if current is None:
            return
        current.ended_at, current.ended_by = clock.now(), actor
        current.save(update_fields=["ended_at", "ended_by"])
        timeline_event_record(
            incident=locked,
            kind="incident.role_unassigned",
            actor=actor,
            source=source,
            message=f"{_person_name(current.user)} is no longer {role.name} ({kind})",
            data={"role": role.slug, "kind": kind, "user": current.user.get_username()},
        )


def incident_add_note(
    *, incident: Incident, text: str, actor: AbstractBaseUser | None, source: str
) -> TimelineEvent:
    _require(actor, RESPOND_PERMISSION, "add notes")
    text = text.strip()
    if not text:
        raise ValidationError("A note needs some text.", errors={"text": ["Required."]})
    with transaction.atomic():
        locked = _locked(incident)
        return timeline_event_record(
            incident=locked,
            kind="incident.note_added",
            actor=actor,
            source=source,
            message=text,
            data={},
        )


def stakeholder_update_body(body: str, *, impact: str, eta: str) -> str:
    """The text stakeholders read: the Impact and ETA given beside the message replace the
    message's own "Impact:" / "ETA:" lines (the draft's "Under investigation"), or are added
    after it when it has none. Empty values leave the message as written."""
    lines = body.splitlines()
    for label, value in (("Impact", impact), ("ETA", eta)):
        if not value:
            continue
        prefix = f"{label.lower()}:"
        at = next((i for i, line in enumerate(lines) if line.lower().startswith(prefix)), None)
        if at is None:
            lines.append(f"{label}: {value}")
        else:
            lines[at] = f"{label}: {value}"
    return "\n".join(lines)


def incident_post_stakeholder_update(
    *,
    incident: Incident,
    body: str,
    actor: AbstractBaseUser | None,
    source: str,
    impact: str = "",
    eta: str = "",
) -> StakeholderUpdate:
    """Record a stakeholder update with the incident's status and severity at this moment."""
    _require(actor, RESPOND_PERMISSION, "post stakeholder updates")
    impact, eta = impact.strip(), eta.strip()
    body = stakeholder_update_body(body.strip(), impact=impact, eta=eta)
    if not body:
        raise ValidationError("An update needs a message.", errors={"body": ["Required."]})
    with transaction.atomic():
        locked = _locked(incident)
        update = StakeholderUpdate.objects.create(
            incident=locked,
            body=body,
            status=locked.status,
            severity=locked.severity,
            impact=impact,
            eta=eta,
            created_by=actor,
            created_at=clock.now(),
        )
        timeline_event_record(
            incident=locked,
            kind="incident.stakeholder_update_posted",
            actor=actor,
            source=source,
            message=body,
            data={
                "update_id": update.pk,
                "status": locked.status,
                "severity": locked.severity.name,
                "impact": impact,
                "eta": eta,
            },
        )
    return update


# --- Services (the catalogue incidents are about) -------------------------------------------------

SERVICE_FIELDS = (
    "name",
    "slug",
    "description",
    "owner_team",
    "slack_channel",
    "escalation_policy",
)


def _service_save(service: Service, fields: list[str] | None = None) -> Service:
    """Save, turning a clash on the unique name or slug into a ValidationError naming the field."""
    try:
        with transaction.atomic():
            service.save(update_fields=fields)
    except IntegrityError:
        others = Service.objects.exclude(pk=service.pk)
        errors = {
            field: [f"A service with this {field} exists already."]
            for field in ("name", "slug")
            if others.filter(**{field: getattr(service, field)}).exists()
        }
        raise ValidationError(
            "A service with this name or slug exists already.", errors=errors
        ) from None
    return service


def _service_clean(service: Service) -> None:
    service.name = service.name.strip()
    if not service.name:
        raise ValidationError("A service needs a name.", errors={"name": ["Required."]})
    service.slug = service.slug or slugify(service.name)
    if not service.slug:
        raise ValidationError(
            "Cannot make a slug from this name; give one.", errors={"slug": ["Required."]}
        )


def service_create(*, actor: AbstractBaseUser | None, name: str, **fields: str) -> Service:
    """Add a service; the slug defaults to the slugified name. Needs `incidents.add_service`."""
    _require(actor, "incidents.add_service", "add services")
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown service fields: {', '.join(sorted(unknown))}.")
    service = Service(name=name, **fields)
    _service_clean(service)
    return _service_save(service)


def service_update(*, service: Service, actor: AbstractBaseUser | None, **changes: str) -> Service:
    """Change some of a service's fields. Needs `incidents.change_service`."""
    _require(actor, "incidents.change_service", "change services")
    unknown = set(changes) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown service fields: {', '.join(sorted(unknown))}.")
    if not changes:
        return service
    for field, value in changes.items():
        setattr(service, field, value)
    _service_clean(service)
    return _service_save(service, fields=list(changes))


def service_owners_set(
    *, service: Service, owners: list[AbstractBaseUser], actor: AbstractBaseUser | None
) -> Service:
    """Replace the people who own `service`. Needs `incidents.change_service`."""
    _require(actor, "incidents.change_service", "change services")
    if inactive := [owner.get_username() for owner in owners if not owner.is_active]:
        raise ValidationError(
            f"{', '.join(inactive)} is deactivated.", errors={"owners": ["Inactive."]}
        )
    service.owners.set(owners)
    return service


def service_delete(*, service: Service, actor: AbstractBaseUser | None) -> None:
    """Delete a service that no incident refers to; raises ConflictError otherwise.

    Incidents keep the services they were about (filters, reports and post-mortems read them), so
    a service in use cannot be removed by unlinking it from history: rename it instead.
    Needs `incidents.delete_service`.
    """
    _require(actor, "incidents.delete_service", "delete services")
    with transaction.atomic():
        locked = Service.objects.select_for_update().filter(pk=service.pk).first()
        if locked is None:
            return
        used_by = locked.incidents.count()
        if used_by:
            raise ConflictError(
                f"Service {locked.slug} is linked to {used_by} incident"
                f"{'s' if used_by != 1 else ''}; it cannot be deleted. Rename it instead."
            )
        locked.delete()
