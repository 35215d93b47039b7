"""Database triggers behind the ORM's refusal: an append-only row cannot be updated (and, on
PostgreSQL, deleted) even by raw SQL or another program writing to the database.

SQLite gets no DELETE trigger: Django's test flush empties tables with DELETE, while on
PostgreSQL it uses TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

TABLES = [
    "apheresis_custodyevent",
    "apheresis_bagverification",
    "apheresis_checkoverride",
    "apheresis_chainofidentity",
    "apheresis_outofspecresult",
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION apheresis_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # No parameters: the % signs in RAISE are PL/pgSQL placeholders, not psycopg2 ones.
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION apheresis_refuse_change();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;"
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    for table in TABLES:
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only{suffix};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS apheresis_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("apheresis", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
