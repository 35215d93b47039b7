"""A B-tree on UPPER(mrn) for the patient search's MRN matches (PostgreSQL only).

The search asks `UPPER(mrn) = UPPER('x') OR UPPER(mrn) LIKE UPPER('x%')` (iexact, istartswith).
The trigram index of 0004 serves both, but an MRN is mostly digits and a shared prefix, whose
trigrams are in nearly every row: a ward clerk typing a full or partial MRN made it read a
posting list as long as the patients table (about 11 ms at 10,000 patients, growing). A B-tree
with text_pattern_ops answers the equality and the prefix as a range: a handful of entries
whatever the number of patients (issue 20 item 3). Not in the models' Meta for the reason given
in 0004.
"""

from django.db import migrations

INDEX = "patients_patient_mrn_upper_prefix"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON patients_patient "
        "((UPPER(mrn::text)) text_pattern_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0010_product_moved_to_catalogue")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
