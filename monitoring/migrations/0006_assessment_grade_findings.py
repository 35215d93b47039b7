from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_history_change_reason_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="crs_findings",
            field=models.JSONField(blank=True, default=list, verbose_name="CRS grade findings"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="icans_findings",
            field=models.JSONField(blank=True, default=list, verbose_name="ICANS grade findings"),
        ),
        migrations.AddField(
            model_name="historicalassessment",
            name="crs_findings",
            field=models.JSONField(blank=True, default=list, verbose_name="CRS grade findings"),
        ),
        migrations.AddField(
            model_name="historicalassessment",
            name="icans_findings",
            field=models.JSONField(blank=True, default=list, verbose_name="ICANS grade findings"),
        ),
    ]
