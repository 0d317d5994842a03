"""Escalation policy editing: the policy, its ordered levels and their targets.

Running escalations are not affected by any of this: each one pages from the snapshot taken
when it started (`policy_snapshot`), so an edit applies from the next trigger on. Every write
checks the admin permission itself, so the browser, API and admin get the same answer.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from core.errors import ConflictError, PermissionDeniedError, ValidationError
from oncall.models import EscalationLevel, EscalationPolicy, EscalationTarget, Schedule, TargetKind

MAX_DELAY = timedelta(hours=24)
MAX_REPEAT = 9


def _require(actor: AbstractBaseUser | None, codename: str) -> None:
    if actor is not None and not actor.has_perm(f"oncall.{codename}"):
        raise PermissionDeniedError("You do not have permission to edit escalation policies.")


def _check_policy_fields(name: str, repeat: int) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("A policy needs a name.", errors={"name": ["Required."]})
    if not 0 <= repeat <= MAX_REPEAT:
        raise ValidationError(
            f"Repeat must be between 0 and {MAX_REPEAT}.", errors={"repeat": ["Out of range."]}
        )
    return name


def _unique_slug(name: str, *, exclude: int | None = None) -> str:
    base = slugify(name)[:100] or "policy"
    if base == "new":  # /oncall/policies/new/ is the create form
        base = "new-policy"
    slug, n = base, 1
    taken = EscalationPolicy.objects.exclude(pk=exclude)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def policy_create(
    *, name: str, description: str = "", repeat: int = 0, actor: AbstractBaseUser | None
) -> EscalationPolicy:
    """A new policy without levels (nobody is paged until a level with a target exists)."""
    _require(actor, "add_escalationpolicy")
    name = _check_policy_fields(name, repeat)
    if EscalationPolicy.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"A policy named {name} exists already.", errors={"name": ["Taken."]})
    try:
        with transaction.atomic():
            return EscalationPolicy.objects.create(
                name=name, slug=_unique_slug(name), description=description, repeat=repeat
            )
    except IntegrityError as error:  # a concurrent create with the same name
        raise ValidationError(f"A policy named {name} exists already.") from error


def policy_update(
    *,
    policy: EscalationPolicy,
    name: str,
    description: str,
    repeat: int,
    actor: AbstractBaseUser | None,
) -> EscalationPolicy:
    """Rename the policy or change its repeat count. The slug (its URL) stays."""
    _require(actor, "change_escalationpolicy")
    name = _check_policy_fields(name, repeat)
    if EscalationPolicy.objects.filter(name__iexact=name).exclude(pk=policy.pk).exists():
        raise ValidationError(f"A policy named {name} exists already.", errors={"name": ["Taken."]})
    policy.name, policy.description, policy.repeat = name, description, repeat
    try:
        with transaction.atomic():
            policy.save(update_fields=["name", "description", "repeat"])
    except IntegrityError as error:
        raise ValidationError(f"A policy named {name} exists already.") from error
    return policy


def _lock_policy(policy: EscalationPolicy) -> None:
    """Serialise edits of one policy's level order (positions are unique per policy)."""
    EscalationPolicy.objects.select_for_update().filter(pk=policy.pk).first()


def _check_delay(delay: timedelta) -> None:
    if not timedelta(0) <= delay <= MAX_DELAY:
        raise ValidationError(
            "The delay must be between 0 and 24 hours.", errors={"delay": ["Out of range."]}
        )


def _set_team_lead(level: EscalationLevel, is_team_lead: bool) -> None:
    if is_team_lead:
        # One team-lead level per policy (a constraint): the new one takes the flag over.
        level.policy.levels.exclude(pk=level.pk).filter(is_team_lead=True).update(
            is_team_lead=False
        )
    level.is_team_lead = is_team_lead


def level_add(
    *,
    policy: EscalationPolicy,
    delay: timedelta,
    is_team_lead: bool = False,
    actor: AbstractBaseUser | None,
) -> EscalationLevel:
    """Append a level to `policy` (targets are added separately)."""
    _require(actor, "change_escalationpolicy")
    _check_delay(delay)
    with transaction.atomic():
        _lock_policy(policy)
        top = policy.levels.aggregate(top=Max("position"))["top"] or 0
        level = EscalationLevel(policy=policy, position=top + 1, delay=delay)
        _set_team_lead(level, is_team_lead)
        level.save()
        return level


def level_update(
    *, level: EscalationLevel, delay: timedelta, is_team_lead: bool, actor: AbstractBaseUser | None
) -> EscalationLevel:
    _require(actor, "change_escalationpolicy")
    _check_delay(delay)
    with transaction.atomic():
        _lock_policy(level.policy)
        level.delay = delay
        _set_team_lead(level, is_team_lead)
        level.save(update_fields=["delay", "is_team_lead"])
    return level


def _renumber(policy: EscalationPolicy) -> None:
    """Positions 1..n in the current order; ascending, so each target position is free."""
    for number, level in enumerate(policy.levels.order_by("position"), start=1):
        if level.position != number:
            EscalationLevel.objects.filter(pk=level.pk).update(position=number)


def level_delete(*, level: EscalationLevel, actor: AbstractBaseUser | None) -> None:
    """Remove a level and its targets; the levels after it move up."""
    _require(actor, "change_escalationpolicy")
    with transaction.atomic():
        _lock_policy(level.policy)
        level.delete()
        _renumber(level.policy)


def level_move(
    *, level: EscalationLevel, direction: str, actor: AbstractBaseUser | None
) -> EscalationLevel:
    """Swap `level` with its neighbour ("up" = earlier). Raises ConflictError at either end."""
    _require(actor, "change_escalationpolicy")
    if direction not in {"up", "down"}:
        raise ValidationError("Move a level up or down.")
    with transaction.atomic():
        _lock_policy(level.policy)
        level.refresh_from_db()
        siblings = level.policy.levels.exclude(pk=level.pk)
        neighbour = (
            siblings.filter(position__lt=level.position).order_by("-position").first()
            if direction == "up"
            else siblings.filter(position__gt=level.position).order_by("position").first()
        )
        if neighbour is None:
            raise ConflictError(
                f"Level {level.position} is already the {'first' if direction == 'up' else 'last'}."
            )
        mine, theirs = level.position, neighbour.position
        # Position 0 is never used by a level: a free slot for the swap under the unique key.
        EscalationLevel.objects.filter(pk=level.pk).update(position=0)
        EscalationLevel.objects.filter(pk=neighbour.pk).update(position=mine)
        EscalationLevel.objects.filter(pk=level.pk).update(position=theirs)
        level.position = theirs
    return level


def target_add(
    *,
    level: EscalationLevel,
    kind: str,
    user: AbstractBaseUser | None = None,
    schedule: Schedule | None = None,
    slack_channel: str = "",
    actor: AbstractBaseUser | None,
) -> EscalationTarget:
    """Page a person, a schedule's on-call person, or post to a Slack channel at `level`."""
    _require(actor, "change_escalationpolicy")
    slack_channel = slack_channel.strip()
    if kind == TargetKind.USER:
        if user is None or not user.is_active:
            raise ValidationError("Choose an active person.", errors={"user": ["Required."]})
        fields = {"user": user}
    elif kind == TargetKind.SCHEDULE:
        if schedule is None:
            raise ValidationError("Choose a schedule.", errors={"schedule": ["Required."]})
        fields = {"schedule": schedule}
    elif kind == TargetKind.SLACK_CHANNEL:
        if not slack_channel:
            raise ValidationError(
                "Name the Slack channel, e.g. #payments-oncall.",
                errors={"slack_channel": ["Required."]},
            )
        fields = {"slack_channel": slack_channel[:80]}
    else:
        raise ValidationError("Choose a person, a schedule or a Slack channel.")
    if level.targets.filter(kind=kind, **fields).exists():
        raise ValidationError("That target is already on this level.")
    with transaction.atomic():
        return EscalationTarget.objects.create(level=level, kind=kind, **fields)


def target_remove(*, target: EscalationTarget, actor: AbstractBaseUser | None) -> None:
    _require(actor, "change_escalationpolicy")
    target.delete()
