"""Trigram indexes for the patient search (PostgreSQL only).

The search is `UPPER(column) LIKE UPPER('%text%')` (Django's icontains) and a prefix match on
the MRN; a B-tree cannot serve a leading wildcard, a pg_trgm GIN index on the same UPPER()
expression can (and, from PostgreSQL 14, the equality and prefix matches too). SQLite, the
embedded default, has no such index and needs none at its size. Not in the models' Meta:
Django's index classes are not portable between the two databases.
"""

from django.db import migrations

COLUMNS = ("mrn", "family_name", "given_name")


def _index(column: str) -> str:
    return f"patients_patient_{column}_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index(column)} ON patients_patient "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_course_stage_patient_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
