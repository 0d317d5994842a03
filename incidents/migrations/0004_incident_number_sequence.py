"""Incident numbers from a PostgreSQL sequence instead of `max(number) + 1`.

`max(number) + 1` made every declaration wait for the one before it to commit (the second
transaction blocks on the unique index until the first ends), so one long intake transaction
stalled every declaration. `nextval()` never waits on another transaction. SQLite (the embedded
default) keeps `max(number) + 1`: its transactions already take the database's write lock at
BEGIN (`transaction_mode: IMMEDIATE`), so nothing more is serialised there.
"""

from django.db import migrations

SEQUENCE = "incidents_incident_number_seq"


def create_sequence(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # OWNED BY: dropped with the column, and reset with the table by a test flush.
    schema_editor.execute(
        f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 1 "
        f"OWNED BY incidents_incident.number"
    )
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', COALESCE((SELECT max(number) FROM incidents_incident), 0) + 1,"
        f" false)"
    )


def drop_sequence(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_incident_text_search_trigram")]

    operations = [migrations.RunPython(create_sequence, drop_sequence, elidable=False)]
