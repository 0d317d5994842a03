"""Trigram indexes for the incident list's text search (PostgreSQL only).

The list searches with `icontains`, which PostgreSQL runs as `UPPER(col) LIKE UPPER('%term%')`:
a sequential scan of every incident without these. SQLite (the embedded default) keeps the scan.

pg_trgm is a trusted extension from PostgreSQL 13: a role with CREATE on the database may add it.
The indexes are built CONCURRENTLY (hence `atomic = False`) so that a release on a large
installation does not block new incidents while they build.
"""

from django.db import migrations

INDEXED_COLUMNS = {"incident_title_trgm_idx": "title", "incident_summary_trgm_idx": "summary"}


def create_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        installed = cursor.fetchone() is not None
        cursor.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
        may_create = cursor.fetchone()[0]
    if not installed and not may_create:
        raise RuntimeError(
            "The incident search needs PostgreSQL's pg_trgm extension, and this database role "
            "may not create it. Run `CREATE EXTENSION pg_trgm;` in this database as its owner "
            "or a superuser, then run the migrations again."
        )
    if not installed:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXED_COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON incidents_incident "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXED_COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("incidents", "0002_escalation_links")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
