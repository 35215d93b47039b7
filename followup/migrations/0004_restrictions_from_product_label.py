"""Discharge restrictions have one home, the product's label row (eligibility ProductLabel,
issue 16 item 10): the duplicate RestrictionPolicy table goes. Its rows said 14 / 14 days for
every product, which contradicted the relma-cel and obe-cel labels; eligibility 0004 writes
each product's own terms with the source."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0003_cr_deauville_confirmation"),
        ("eligibility", "0004_indications_current_labels"),
    ]

    operations = [
        migrations.DeleteModel(name="HistoricalRestrictionPolicy"),
        migrations.DeleteModel(name="RestrictionPolicy"),
    ]
