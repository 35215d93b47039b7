"""Seed discharge restriction policies (clinical reference §3): current US labels, 2 weeks
near the centre and 2 weeks without driving, for every catalogue product and as the
institutional default. Editable in the admin (older protocols: 4 and 8 weeks)."""

from django.db import migrations

SOURCE = "US prescribing information, June 2025 (REMS removed) — institutional default, review"
STAY_NEAR_CENTRE_DAYS = 14
NO_DRIVING_DAYS = 14


def seed(apps, schema_editor):
    Policy = apps.get_model("followup", "RestrictionPolicy")
    Product = apps.get_model("patients", "CarTProduct")
    Policy.objects.get_or_create(
        is_default=True,
        defaults={
            "stay_near_centre_days": STAY_NEAR_CENTRE_DAYS,
            "no_driving_days": NO_DRIVING_DAYS,
            "source": SOURCE,
        },
    )
    for product in Product.objects.all():
        Policy.objects.get_or_create(
            product=product,
            defaults={
                "stay_near_centre_days": STAY_NEAR_CENTRE_DAYS,
                "no_driving_days": NO_DRIVING_DAYS,
                "source": SOURCE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0001_initial"),
        ("patients", "0002_product_catalogue"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
