"""One RegimenDose row per drug of every regimen of catalogue/regimens.py, with the code's
dose, days, source and verification: administrators edit from there and nothing changes for
users until they do."""

from django.db import migrations

from catalogue.regimens import REGIMENS, days_text


def seed(apps, schema_editor):
    RegimenDose = apps.get_model("catalogue", "RegimenDose")
    for regimen in REGIMENS.values():
        for item in regimen.drugs:
            RegimenDose.objects.get_or_create(
                regimen_key=regimen.key,
                drug=item.drug,
                defaults={
                    "dose_mg_per_m2": item.dose_mg_per_m2,
                    "days": days_text(item.days),
                    "source": regimen.source,
                    "verified": regimen.verified,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("catalogue", "RegimenDose").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_regimen_dose")]

    operations = [migrations.RunPython(seed, unseed)]
