"""Bulk moderation from a CSV file (the browser upload and `manage.py moderation content
bulk-moderate`): one row per content — `content_id,action,reason[,policy][,days]` — applied in
one transaction through the same decision function as a single decision. A bad row is reported
with its line number and changes nothing; the good rows are applied."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import clock
from core.errors import DomainError, ValidationError
from moderation.models import Action, Item, ItemKind, ItemStatus, Policy
from moderation.services.common import MODERATE_PERMISSION, actor_name, require
from moderation.services.decisions import (
    BULK_LIMIT,
    DecisionTerms,
    _decide_many,
    _refusal,
    decision_terms_check,
)

CSV_ACTIONS = (Action.APPROVE, Action.REMOVE, Action.WARN, Action.SUSPEND)
MAX_CSV_BYTES = 1024 * 1024


@dataclass
class CsvResult:
    changed: list[tuple[int, int]] = field(default_factory=list)  # (line, item id)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)

    def summary(self) -> str:
        lines = [f"{len(self.changed)} changed, {len(self.errors)} rows with errors"]
        lines += [f"line {line}: {message}" for line, message in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Row:
    line: int
    content_id: str
    terms: DecisionTerms


def _category_policy(item: Item, policies: dict[str, Policy]) -> Policy | None:
    return policies.get(item.category.replace("_", "-"))


def _parse(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    rows, errors = [], []
    reader = csv.reader(io.StringIO(text))
    for cells in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line == 1 and cells[0].lower() in {"content_id", "content id", "id"}:
            continue  # a header row
        if len(cells) < 2:
            errors.append((line, "expected content_id,action,reason[,policy][,days]"))
            continue
        rows.append((line, cells))
    return rows, errors


def _terms(cells: list[str], item: Item, policies: dict[str, Policy]) -> DecisionTerms:
    action = cells[1].lower()
    if action not in CSV_ACTIONS:
        raise ValidationError(f"action {cells[1]!r} is not one of {', '.join(CSV_ACTIONS)}")
    reason = cells[2] if len(cells) > 2 else ""
    policy_slug = cells[3] if len(cells) > 3 else ""
    policy = policies.get(policy_slug) if policy_slug else _category_policy(item, policies)
    if policy_slug and policy is None:
        raise ValidationError(f"unknown policy {policy_slug!r}")
    days_cell = cells[4].lower() if len(cells) > 4 else ""
    days, permanent = None, days_cell == "permanent"
    if days_cell and not permanent:
        if not days_cell.isdigit():
            raise ValidationError(f"days {cells[4]!r} is not a whole number or 'permanent'")
        days = int(days_cell)
    return DecisionTerms(
        action=action,
        reason=reason,
        policy=policy if action == Action.REMOVE else None,
        message=reason if action == Action.WARN else "",
        days=days,
        permanent=permanent,
    )


def bulk_csv_apply(
    *, text: str, actor: AbstractBaseUser | None, source: str, actor_label: str | None = None
) -> CsvResult:
    """Apply a CSV of decisions (see the module docstring) in one transaction. Rows naming no
    open item, an unknown action or policy, missing what the action needs, or an item someone
    else is reviewing are reported by line and skipped. For `remove` without a policy column,
    the policy of the item's category is cited."""
    require(actor, MODERATE_PERMISSION, "decide moderation items")
    if len(text.encode()) > MAX_CSV_BYTES:
        raise ValidationError(
            "The file is larger than 1 MiB; split it.", errors={"file": ["Larger than 1 MiB."]}
        )
    rows, errors = _parse(text)
    if len(rows) > BULK_LIMIT:
        raise ValidationError(
            f"At most {BULK_LIMIT} rows per file; split it.",
            errors={"file": [f"More than {BULK_LIMIT} rows."]},
        )
    result = CsvResult(errors=errors)
    by_name = actor_label or actor_name(actor)
    policies = {policy.slug: policy for policy in Policy.objects.all()}
    with transaction.atomic():
        now = clock.now()
        items: dict[str, list[Item]] = {}
        locked = (
            Item.objects.select_for_update(of=("self",))
            .select_related("user", "queue", "appeal_of", "claimed_by")
            .prefetch_related("queue__reviewers")
            .filter(
                kind=ItemKind.REPORT,
                status=ItemStatus.OPEN,
                content_id__in=[cells[0] for _, cells in rows],
            )
            .order_by("pk")
        )
        for item in locked:
            items.setdefault(item.content_id, []).append(item)
        groups: dict[DecisionTerms, list[tuple[int, Item]]] = {}
        seen: dict[int, int] = {}  # item id -> the line that decides it
        for line, cells in rows:
            found = items.get(cells[0], [])
            if len(found) != 1:
                result.errors.append(
                    (
                        line,
                        f"no open item for content {cells[0]!r}"
                        if not found
                        else f"content id {cells[0]!r} is ambiguous",
                    )
                )
                continue
            item = found[0]
            if item.pk in seen:
                result.errors.append((line, f"content {cells[0]!r} is on line {seen[item.pk]} too"))
                continue
            try:
                terms = _terms(cells, item, policies)
                refusal = _refusal(item, actor, now)
                if refusal is not None:
                    raise ValidationError(f"the item is {refusal}")
                decision_terms_check(item, terms)
            except DomainError as error:
                result.errors.append((line, error.message))
                continue
            seen[item.pk] = line
            groups.setdefault(terms, []).append((line, item))
        for terms, rows_of_terms in groups.items():  # rows with the same terms, written together
            _decide_many(
                [item for _, item in rows_of_terms],
                actor=actor,
                terms=terms,
                source=source,
                now=now,
                by_name=by_name,
            )
            result.changed += [(line, item.pk) for line, item in rows_of_terms]
        result.changed.sort()
    result.errors.sort()
    return result
