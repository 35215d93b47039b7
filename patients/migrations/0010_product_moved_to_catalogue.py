"""CarTProduct now belongs to the catalogue app (catalogue 0001); the course's product points
there. State only: the table and the foreign key constraint stay as they are.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('eligibility', '0007_catalogue_moved_out'),
        # followup's old RestrictionPolicy pointed at patients.CarTProduct until it went.
        ('followup', '0004_restrictions_from_product_label'),
        ('catalogue', '0001_move_models_keep_tables'),
        ('patients', '0009_patient_preferred_language'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicaltreatmentcourse',
                    name='product',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='catalogue.cartproduct', verbose_name='product'),
                ),
                migrations.AlterField(
                    model_name='treatmentcourse',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='courses', to='catalogue.cartproduct', verbose_name='product'),
                ),
                migrations.RemoveField(
                    model_name='historicalcartproduct',
                    name='history_user',
                ),
                migrations.DeleteModel(
                    name='CarTProduct',
                ),
                migrations.DeleteModel(
                    name='HistoricalCarTProduct',
                ),
            ],
            database_operations=[],
        ),
    ]
