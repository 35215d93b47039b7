"""Assessments charted before issue 17 have their grade reasons in English only: read them back
into codes where the English is exactly what the codes say (monitoring/grading_legacy.py), so
Chinese pages show them in Chinese. Anything else keeps [] and the page shows the English.

History rows are left as they were (append-only), and the backfill writes none: it fills a
derived column no one changed, a documented data repair (core.audit.unaudited)."""

from django.db import migrations

from core.audit import unaudited

from monitoring.grading_legacy import findings_from_english
from monitoring.texts import GRADING_TEXTS


def fill(apps, schema_editor):
    with unaudited("issue 17: grade findings read back from the English reasons"):
        _fill(apps.get_model("monitoring", "Assessment")._base_manager)


def _fill(rows):
    # One pass per distinct wording, not per row: a large ward has few distinct reasons.
    for scale, text_field, findings_field in (
        ("crs", "crs_reason", "crs_findings"),
        ("icans", "icans_reason", "icans_findings"),
    ):
        texts = (
            rows.filter(**{findings_field: []})
            .exclude(**{text_field: ""})
            .values_list(text_field, flat=True)
            .distinct()
            .order_by()
        )
        for text in list(texts):
            findings = findings_from_english(text, texts=GRADING_TEXTS, scale=scale)
            if findings:
                rows.filter(**{text_field: text, findings_field: []}).update(
                    **{findings_field: findings}
                )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_assessment_grade_findings"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
