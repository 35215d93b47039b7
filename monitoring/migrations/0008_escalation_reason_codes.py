"""Escalation.reason_codes: the reasons as codes with parameters (issue 17).

``reason`` stays, the English copy the exports read. Existing reasons ("CRS grade 2 (was 0);
ICANS grade 1 (was 0)", or the same in Chinese) become codes when every part is of known
wording; otherwise the list stays empty and pages show the stored text. The wordings are
frozen here as they were when this migration was written.
"""

from django.db import migrations, models

from core.system_text_legacy import parse

KNOWN = {
    "monitoring.escalation.crs": "CRS grade %(new)s (was %(old)s)",
    "monitoring.escalation.icans": "ICANS grade %(new)s (was %(old)s)",
}


def reason_codes(reason: str) -> list[dict]:
    """The codes of every part of ``reason``, or [] when one part is of unknown wording."""
    codes = []
    for part in (reason or "").split("; "):
        stored, human = parse(part, codes=KNOWN)
        if stored is None or human:
            return []
        codes.append(stored)
    return codes


def forwards(apps, schema_editor):
    Escalation = apps.get_model("monitoring", "Escalation")
    for pk, reason in Escalation.objects.values_list("pk", "reason").iterator(chunk_size=2000):
        codes = reason_codes(reason)
        if codes:
            Escalation.objects.filter(pk=pk).update(reason_codes=codes)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0007_assessment_grade_findings_from_english'),
    ]

    operations = [
        migrations.AddField(
            model_name='escalation',
            name='reason_codes',
            field=models.JSONField(blank=True, default=list, verbose_name='reasons (codes)'),
        ),
        migrations.AddField(
            model_name='historicalescalation',
            name='reason_codes',
            field=models.JSONField(blank=True, default=list, verbose_name='reasons (codes)'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
