"""Trigram indexes for the incident list's text search (PostgreSQL only).

The list searches with `icontains`, which PostgreSQL runs as `UPPER(col) LIKE UPPER('%term%')`:
a sequential scan of every incident without these. SQLite (the embedded default) keeps the scan.
pg_trgm is a trusted extension from PostgreSQL 13, so the database owner may create it.
"""

from django.db import migrations

INDEXED_COLUMNS = {"incident_title_trgm_idx": "title", "incident_summary_trgm_idx": "summary"}


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXED_COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON incidents_incident "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_escalation_links")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
