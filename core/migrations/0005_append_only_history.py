"""History tables refuse UPDATE, DELETE and TRUNCATE in PostgreSQL; the custody log refuses
TRUNCATE by anyone but its owner (see core/append_only.py). Every later ``migrate`` runs
the same idempotent step (post_migrate), so history tables added later are covered too."""

from django.db import migrations


def create(apps, schema_editor):
    from core.append_only import ensure_append_only

    ensure_append_only(schema_editor.connection)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from core.append_only import APPEND_ONLY_RECORDS, history_tables

    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    for table in history_tables():
        if table in existing:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_rows ON {quote(table)}")
    for table in history_tables() + list(APPEND_ONLY_RECORDS):
        if table in existing:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only_truncate ON {quote(table)}")
    schema_editor.execute("DROP FUNCTION IF EXISTS cart_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_historicalsignature_signature"),
        ("apheresis", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create, drop)]
