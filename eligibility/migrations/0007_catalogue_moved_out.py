"""ProductLabel, ProductIndication and Threshold now belong to the catalogue app
(catalogue 0001). State only: their tables stay where they are.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_move_models_keep_tables'),
        ('eligibility', '0006_historicalscreeningassessment_lab_sources_and_more'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='historicalproductindication',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalproductindication',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='historicalproductlabel',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalproductlabel',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='historicalthreshold',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='productindication',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='productlabel',
                    name='product',
                ),
                migrations.DeleteModel(
                    name='Threshold',
                ),
                migrations.DeleteModel(
                    name='HistoricalProductIndication',
                ),
                migrations.DeleteModel(
                    name='HistoricalProductLabel',
                ),
                migrations.DeleteModel(
                    name='HistoricalThreshold',
                ),
                migrations.DeleteModel(
                    name='ProductIndication',
                ),
                migrations.DeleteModel(
                    name='ProductLabel',
                ),
            ],
            database_operations=[],
        ),
    ]
