"""Issue 17: the plan's calculation, warnings and clearance method and a dose's deviation are
also stored as codes with parameters, said in the reader's language. Older rows keep only
their English prose, which the pages show as before."""

from django.db import migrations, models


def _text(model: str, name: str) -> migrations.AddField:
    return migrations.AddField(
        model_name=model,
        name=name,
        field=models.JSONField(blank=True, default=list, editable=False),
    )


class Migration(migrations.Migration):
    dependencies = [("infusion", "0007_day0_correction")]

    operations = [
        _text(model, name)
        for model, name in (
            ("planneddose", "calculation_text"),
            ("historicalplanneddose", "calculation_text"),
            ("lymphodepletionplan", "crcl_method_text"),
            ("historicallymphodepletionplan", "crcl_method_text"),
            ("lymphodepletionplan", "warning_texts"),
            ("historicallymphodepletionplan", "warning_texts"),
            ("administration", "deviation_text"),
            ("historicaladministration", "deviation_text"),
        )
    ]
