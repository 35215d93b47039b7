"""Seed the pre-infusion vital sign limits from infusion/rules.py (institutional default —
review): rows the administrator can see and change in the admin site."""

from django.db import migrations


def seed(apps, schema_editor):
    from infusion.rules import DEFAULT_VITAL_LIMITS

    Limit = apps.get_model("infusion", "VitalSignLimit")
    for limit in DEFAULT_VITAL_LIMITS:
        Limit.objects.get_or_create(
            code=limit.code,
            defaults={
                "min_value": limit.min_value,
                "max_value": limit.max_value,
                "source": "Institutional default — review (infusion/rules.py)",
                "verified": False,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("infusion", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
