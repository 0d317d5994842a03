"""`manage.py moderation …`: the runbook's commands, through the same services as the UI and API.

    manage.py moderation user suspend --id ID --reason TEXT [--days N]
    manage.py moderation user unsuspend --id ID --reason TEXT
    manage.py moderation content remove --id ID --reason TEXT [--policy SLUG]
    manage.py moderation content bulk-moderate --file violations.csv

The operator is the actor: `--actor USERNAME`, else $FIREBELL_OPERATOR, else the login name; a
Firebell user of that name must hold the moderation permission. An operator without a Firebell
account acts as "cli:<name>" (shell access to the server is already full access).
"""

from __future__ import annotations

import contextlib
import getpass
import os
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from moderation.models import Item, ItemKind, ItemStatus, PlatformUser, Policy
from moderation.services.bulk import bulk_csv_apply
from moderation.services.decisions import DecisionTerms, item_decide
from moderation.services.suspensions import user_suspend, user_unsuspend

SOURCE = "cli"


class Command(BaseCommand):
    help = "Moderation from the command line: suspend/unsuspend users, remove content, bulk CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--actor",
            default="",
            help="Firebell username acting (default: $FIREBELL_OPERATOR or your login name).",
        )
        kinds = parser.add_subparsers(dest="kind", required=True)
        user = kinds.add_parser("user").add_subparsers(dest="verb", required=True)
        suspend = user.add_parser("suspend", help="Suspend a platform user.")
        suspend.add_argument("--id", required=True, help="The platform's user id.")
        suspend.add_argument("--reason", required=True)
        suspend.add_argument("--days", type=int, help="Omit for a permanent suspension.")
        suspend.add_argument("--note", default="", help="Internal note.")
        unsuspend = user.add_parser("unsuspend", help="Lift a user's suspension.")
        unsuspend.add_argument("--id", required=True)
        unsuspend.add_argument("--reason", required=True)
        content = kinds.add_parser("content").add_subparsers(dest="verb", required=True)
        remove = content.add_parser("remove", help="Remove reported content (its open item).")
        remove.add_argument("--id", required=True, help="The platform's content id.")
        remove.add_argument("--reason", required=True)
        remove.add_argument("--policy", default="", help="Policy slug (default: the category's).")
        bulk = content.add_parser("bulk-moderate", help="Apply a CSV of decisions.")
        bulk.add_argument("--file", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        actor, label = self._operator(options.pop("actor"))
        handler = getattr(self, f"_{options['kind']}_{options['verb'].replace('-', '_')}")
        try:
            with set_actor(actor) if actor is not None else contextlib.nullcontext():
                handler(actor=actor, label=label, **options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _operator(self, given: str):
        name = given or os.environ.get("FIREBELL_OPERATOR") or getpass.getuser()
        user = get_user_model().objects.filter(username=name).first()
        if user is None and given:
            raise CommandError(f"There is no Firebell user named {given!r}.")
        return user, (user.get_username() if user else f"cli:{name}")

    def _platform_user(self, external_id: str) -> PlatformUser:
        user = PlatformUser.objects.filter(external_id=external_id).first()
        if user is None:
            raise CommandError(f"There is no platform user {external_id!r} (no report named it).")
        return user

    def _user_suspend(self, *, actor, label, **options) -> None:
        suspension = user_suspend(
            user=self._platform_user(options["id"]),
            actor=actor,
            reason=options["reason"],
            days=options["days"],
            permanent=options["days"] is None,
            internal_note=options["note"],
            actor_label=label,
        )
        until = suspension.ends_at.isoformat() if suspension.ends_at else "permanently"
        self.stdout.write(f"Suspended {options['id']} until {until} (suspension #{suspension.pk}).")

    def _user_unsuspend(self, *, actor, label, **options) -> None:
        user_unsuspend(
            user=self._platform_user(options["id"]),
            actor=actor,
            reason=options["reason"],
            actor_label=label,
        )
        self.stdout.write(f"Lifted the suspension of {options['id']}.")

    def _content_remove(self, *, actor, label, **options) -> None:
        items = list(
            Item.objects.filter(
                kind=ItemKind.REPORT, status=ItemStatus.OPEN, content_id=options["id"]
            )
        )
        if len(items) != 1:
            raise CommandError(
                f"No open item for content {options['id']!r}."
                if not items
                else f"Content id {options['id']!r} is ambiguous."
            )
        slug = options["policy"] or items[0].category.replace("_", "-")
        policy = Policy.objects.filter(slug=slug).first()
        if policy is None:
            raise CommandError(f"There is no policy {slug!r}.")
        decision = item_decide(
            item=items[0],
            actor=actor,
            source=SOURCE,
            actor_label=label,
            terms=DecisionTerms("remove", reason=options["reason"], policy=policy),
        )
        self.stdout.write(f"Removed {options['id']} (decision #{decision.pk}, {policy.slug}).")

    def _content_bulk_moderate(self, *, actor, label, **options) -> None:
        try:
            text = options["file"].read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        result = bulk_csv_apply(text=text, actor=actor, source=SOURCE, actor_label=label)
        self.stdout.write(result.summary())
