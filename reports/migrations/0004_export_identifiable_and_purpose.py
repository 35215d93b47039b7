from django.conf import settings
from django.db import migrations, models

# Exports made before this migration were identifiable and stated no purpose: say so, rather
# than let the log claim they were pseudonymised. Dashboard tables were always aggregates.
BEFORE = "(exported before a purpose was required)"


def label_earlier_exports(apps, schema_editor):
    ExportLog = apps.get_model("reports", "ExportLog")
    ExportJob = apps.get_model("reports", "ExportJob")
    ExportLog.objects.filter(dataset__startswith="dashboard:").update(identifiable=False)
    ExportLog.objects.filter(identifiable=True).update(purpose=BEFORE)
    ExportJob.objects.filter(identifiable=True).update(purpose=BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_dashboard_curve_points"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="identifiable",
            field=models.BooleanField(default=True, verbose_name="identifiable"),
        ),
        migrations.AddField(
            model_name="exportjob",
            name="purpose",
            field=models.TextField(blank=True, verbose_name="purpose"),
        ),
        migrations.AddField(
            model_name="exportlog",
            name="identifiable",
            field=models.BooleanField(default=True, verbose_name="identifiable"),
        ),
        migrations.AddField(
            model_name="exportlog",
            name="purpose",
            field=models.TextField(blank=True, verbose_name="purpose"),
        ),
        migrations.RunPython(label_earlier_exports, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="exportjob",
            name="identifiable",
            field=models.BooleanField(default=False, verbose_name="identifiable"),
        ),
        migrations.AlterField(
            model_name="exportlog",
            name="identifiable",
            field=models.BooleanField(default=False, verbose_name="identifiable"),
        ),
        migrations.AddConstraint(
            model_name="exportjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("identifiable", False), models.Q(("purpose", ""), _negated=True), _connector="OR"
                ),
                name="export_job_identifiable_has_purpose",
            ),
        ),
        migrations.AddConstraint(
            model_name="exportlog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("identifiable", False), models.Q(("purpose", ""), _negated=True), _connector="OR"
                ),
                name="export_log_identifiable_has_purpose",
            ),
        ),
    ]
