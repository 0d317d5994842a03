"""Bulk decisions (selection, CSV with a bad row, 500 in one transaction) and the commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from moderation.models import Decision, Item, Policy, Suspension
from moderation.services import claims
from moderation.services.bulk import bulk_csv_apply
from moderation.services.decisions import DecisionTerms, items_decide_bulk
from moderation.services.intake import reports_ingest
from tests.moderation.conftest import ingest, open_item, report


def test_bulk_changes_what_it_can_in_one_go_and_names_what_it_skipped(moderator, other_moderator):
    items = [open_item() for _ in range(3)]
    claims.item_claim(item=items[2], actor=other_moderator)
    result = items_decide_bulk(
        item_ids=[i.pk for i in items],
        actor=moderator,
        terms=DecisionTerms("approve"),
        source="web",
    )
    assert result.changed == [items[0].pk, items[1].pk]
    assert result.skipped == [(items[2].pk, "being reviewed by max-moderator")]


def test_five_hundred_items_are_decided_in_one_transaction(moderator):
    reports_ingest(reports=[report(user_id="spammer") for _ in range(500)], actor=None)
    ids = list(Item.objects.values_list("pk", flat=True))
    result = items_decide_bulk(
        item_ids=ids,
        actor=moderator,
        source="web",
        terms=DecisionTerms("remove", reason="spam", policy=Policy.objects.get(slug="spam")),
    )
    assert len(result.changed) == 500
    assert Decision.objects.count() == 500


def test_invalid_bulk_terms_change_nothing(moderator):
    items = [open_item() for _ in range(2)]
    with pytest.raises(Exception, match="policy"):
        items_decide_bulk(
            item_ids=[i.pk for i in items],
            actor=moderator,
            terms=DecisionTerms("remove", reason="x"),
            source="web",
        )
    assert not Decision.objects.exists()


CSV = """content_id,action,reason,policy,days
c1,remove,Scam,spam
c2,warn,Stop posting links
c3,explode,boom
nope,approve,
c4,suspend,Repeat offender,,14
c5,remove,No policy given falls back to the category
"""


def test_a_csv_applies_its_good_rows_and_names_the_line_of_each_bad_one(moderator):
    for cid in ("c1", "c2", "c3", "c4", "c5"):
        ingest(report(content_id=cid, user_id=f"owner-{cid}"))
    result = bulk_csv_apply(text=CSV, actor=moderator, source="web")
    assert [line for line, _ in result.changed] == [2, 3, 6, 7]
    assert [line for line, _ in result.errors] == [4, 5]
    assert "explode" in result.errors[0][1]
    assert "no open item" in result.errors[1][1]
    assert Item.objects.get(content_id="c3").status == "open"
    assert Suspension.objects.get(user__external_id="owner-c4").ends_at is not None
    assert Decision.objects.get(item__content_id="c5").policy.slug == "spam"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("moderation", *args, stdout=out)
    return out.getvalue()


def test_the_commands_suspend_unsuspend_remove_and_bulk_moderate_as_the_operator(
    moderator, tmp_path
):
    ingest(report(content_id="post-1", user_id="u-1"))
    out = _run(
        "--actor",
        moderator.username,
        "user",
        "suspend",
        "--id",
        "u-1",
        "--reason",
        "Spam wave",
        "--days",
        "3",
    )
    assert "Suspended u-1" in out
    assert Suspension.objects.get().created_by_name == "mona-moderator"
    assert "Lifted" in _run(
        "--actor",
        moderator.username,
        "user",
        "unsuspend",
        "--id",
        "u-1",
        "--reason",
        "Appeal by mail",
    )
    assert "Removed post-1" in _run(
        "--actor", moderator.username, "content", "remove", "--id", "post-1", "--reason", "Spam"
    )
    decision = Decision.objects.get()
    assert decision.decided_by == moderator
    assert decision.source == "cli"
    ingest(report(content_id="post-2"))
    csv_file = tmp_path / "violations.csv"
    csv_file.write_text("post-2,approve,fine\nmissing,remove,x\n")
    out = _run("--actor", moderator.username, "content", "bulk-moderate", "--file", str(csv_file))
    assert "1 changed, 1 rows with errors" in out
    assert "line 2: no open item" in out


def test_a_command_with_bad_input_says_what_is_wrong(moderator):
    with pytest.raises(CommandError, match="no platform user"):
        _run("--actor", moderator.username, "user", "suspend", "--id", "ghost", "--reason", "x")
    with pytest.raises(CommandError, match="no Firebell user"):
        _run("--actor", "nobody", "user", "unsuspend", "--id", "x", "--reason", "x")
