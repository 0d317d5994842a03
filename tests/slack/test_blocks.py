"""What the Slack app shows (integrations/slack/blocks.py): times each reader sees in their own
time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from integrations.slack.blocks import slack_time


def test_a_time_is_shown_in_each_readers_zone_with_a_utc_fallback():
    moment = datetime(2026, 3, 6, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
    expected = int(datetime(2026, 3, 6, 8, 30, tzinfo=UTC).timestamp())
    assert slack_time(moment) == f"<!date^{expected}^{{time}}|08:30 UTC>"
    assert slack_time(moment, "{date_short} {time}", "%a %d %b %H:%M UTC") == (
        f"<!date^{expected}^{{date_short}} {{time}}|Fri 06 Mar 08:30 UTC>"
    )
