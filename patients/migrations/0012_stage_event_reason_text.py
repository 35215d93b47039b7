"""StageEvent.reason_text: the system's words as a code with parameters (issue 17).

Existing reasons written by the system, in English or in Chinese ("Screening started.",
"MDT 已批准。 Fit for therapy.", "Died: Infection – sepsis"), become a code; what a person
typed after them stays in ``reason``. Text of no known wording stays as it is, human text.
The wordings are frozen here as they were when this migration was written.
"""

from django.db import migrations, models

from core import system_text
from core.system_text_legacy import parse

KNOWN = {
    "patients.referred": "Referred for CAR-T therapy.",
    "eligibility.screening_started": "Screening started.",
    "eligibility.consent_signed": "Informed consent signed.",
    "eligibility.mdt_approved": "MDT approved.",
    "eligibility.mdt_declined": "MDT declined.",
    "infusion.bridging_recorded": "Bridging therapy recorded.",
    "monitoring.ended": "Monitoring ended:",
    "followup.ended": "Follow-up ended:",
    "followup.died": "Died: %(cause)s",
    "followup.died_with_details": "Died: %(cause)s –",
    "followup.death_cause.progression": "Disease progression or relapse",
    "followup.death_cause.infection": "Infection",
    "followup.death_cause.crs": "Cytokine release syndrome",
    "followup.death_cause.icans": "Neurotoxicity (ICANS)",
    "followup.death_cause.cytopenia": "Prolonged cytopenia / haemorrhage",
    "followup.death_cause.second_malignancy": "Second malignancy",
    "followup.death_cause.other": "Other",
    "followup.death_cause.unknown": "Unknown",
    "home.demo_withdrew": "Patient withdrew consent after discussion with family.",
    "home.demo_follow_up_completed": "Follow-up completed; transferred to annual registry contact.",
}


def split_reason(reason: str) -> tuple[dict | None, str]:
    """(the system's words as a code, or None; the person's words)."""
    return parse(reason, codes=KNOWN)


def forwards(apps, schema_editor):
    StageEvent = apps.get_model("patients", "StageEvent")
    rows = StageEvent.objects.filter(reason_text__isnull=True).exclude(reason="")
    for pk, reason in rows.values_list("pk", "reason").iterator(chunk_size=2000):
        stored, human = split_reason(reason)
        if stored is not None:
            StageEvent.objects.filter(pk=pk).update(reason_text=stored, reason=human)


def backwards(apps, schema_editor):
    StageEvent = apps.get_model("patients", "StageEvent")
    rows = StageEvent.objects.filter(reason_text__isnull=False)
    for pk, stored, reason in rows.values_list("pk", "reason_text", "reason").iterator():
        said = " ".join(p for p in (system_text.english(stored), reason) if p)
        StageEvent.objects.filter(pk=pk).update(reason=said)


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0011_mrn_upper_prefix_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalstageevent',
            name='reason_text',
            field=models.JSONField(blank=True, default=None, null=True, verbose_name='system reason'),
        ),
        migrations.AddField(
            model_name='stageevent',
            name='reason_text',
            field=models.JSONField(blank=True, default=None, null=True, verbose_name='system reason'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
