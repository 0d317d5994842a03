"""Alert times that cannot be loaded or make no sense are replaced by when Firebell saw the alert.

Before intake clamped sender times (`alerts.services.alert_time_sane`), a `startsAt` such as
"9999-12-31T23:59:59-14:00" was stored as year 10000: Python cannot load that row, so every
later delivery of the alert failed and its admin page answered 500. The original time is still
in the alert's `raw` and in its delivery's body. Only UPDATEs: no row is loaded.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import F, Q

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)


def clamp(apps, schema_editor) -> None:
    alert_model = apps.get_model("alerts", "Alert")
    alert_model.objects.filter(
        Q(starts_at__lt=EARLIEST) | Q(starts_at__gt=F("first_seen_at") + AHEAD)
    ).update(starts_at=F("first_seen_at"))
    alert_model.objects.filter(
        Q(ends_at__lt=EARLIEST) | Q(ends_at__gt=F("last_seen_at") + AHEAD)
    ).update(ends_at=F("last_seen_at"))


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop, elidable=True)]
