"""The catalogue takes over patients.CarTProduct and eligibility's ProductLabel,
ProductIndication and Threshold, with their history models. State only: the tables keep
their names (Meta.db_table) and no row moves.
"""

import catalogue.models
import django.core.validators
import django.db.models.deletion
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('patients', '0008_history_change_reason_text'),
        ('eligibility', '0006_historicalscreeningassessment_lab_sources_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CarTProduct',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=30, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='brand name')),
                        ('generic_name', models.CharField(max_length=100, unique=True, verbose_name='generic name')),
                        ('short_name', models.CharField(max_length=30, unique=True, verbose_name='short name')),
                        ('target_antigen', models.CharField(max_length=20, verbose_name='target antigen')),
                        ('manufacturer', models.CharField(max_length=100, verbose_name='manufacturer')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'CAR-T product',
                        'verbose_name_plural': 'CAR-T products',
                        'db_table': 'patients_cartproduct',
                        'ordering': ['short_name'],
                    },
                ),
                migrations.CreateModel(
                    name='Threshold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(choices=[('ecog_max', 'ECOG at most (unless the indication allows more)'), ('anc_min', 'ANC at least'), ('alc_min', 'ALC at least'), ('platelets_min', 'Platelets at least'), ('crcl_min', 'Creatinine clearance at least (real-world practice: ≥ 30)'), ('alt_max_x_uln', 'ALT at most'), ('ast_max_x_uln', 'AST at most'), ('bilirubin_max', 'Total bilirubin at most'), ('lvef_min', 'LVEF at least (real-world practice: ≥ 40)'), ('spo2_above', 'SpO2 on room air above'), ('bulky_lesion_cm', 'Bulky disease: largest lesion at least'), ('risk_ecog_min', 'Poor performance: ECOG at least'), ('risk_haemoglobin_below', 'Low haemoglobin: below'), ('risk_platelets_below', 'Low platelets: below'), ('risk_prior_lines_min', 'Many prior lines: at least'), ('hematotox_anc_below', 'HEMATOTOX: 1 point if ANC below'), ('hematotox_haemoglobin_below', 'HEMATOTOX: 1 point if haemoglobin below'), ('hematotox_platelets_1_point_at_most', 'HEMATOTOX: 1 point if platelets at most'), ('hematotox_platelets_2_points_below', 'HEMATOTOX: 2 points if platelets below'), ('hematotox_crp_at_least', 'HEMATOTOX: 1 point if CRP at least'), ('hematotox_ferritin_1_point_at_least', 'HEMATOTOX: 1 point if ferritin at least'), ('hematotox_ferritin_2_points_above', 'HEMATOTOX: 2 points if ferritin above'), ('hematotox_high_risk_min', 'HEMATOTOX: high risk from'), ('washout_systemic_steroid_days', 'Systemic steroid > 10 mg prednisone-equivalent a day: stopped at least'), ('washout_chemotherapy_days', 'Chemotherapy (reference: 2–3 weeks): stopped at least'), ('washout_anti_cd38_days', 'Anti-CD38 antibody: stopped at least'), ('washout_alemtuzumab_days', 'Alemtuzumab: stopped at least')], max_length=60, unique=True, verbose_name='threshold')),
                        ('value', models.DecimalField(decimal_places=3, max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='value')),
                        ('unit', models.CharField(blank=True, editable=False, max_length=20, verbose_name='unit')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: UNVERIFIED — an institutional default to review.', verbose_name='verified')),
                    ],
                    options={
                        'verbose_name': 'eligibility threshold',
                        'verbose_name_plural': 'eligibility thresholds',
                        'db_table': 'eligibility_threshold',
                        'ordering': ['key'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalCarTProduct',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('code', models.SlugField(max_length=30, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='brand name')),
                        ('generic_name', models.CharField(db_index=True, max_length=100, verbose_name='generic name')),
                        ('short_name', models.CharField(db_index=True, max_length=30, verbose_name='short name')),
                        ('target_antigen', models.CharField(max_length=20, verbose_name='target antigen')),
                        ('manufacturer', models.CharField(max_length=100, verbose_name='manufacturer')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical CAR-T product',
                        'verbose_name_plural': 'historical CAR-T products',
                        'db_table': 'patients_historicalcartproduct',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalProductIndication',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('diagnosis', models.CharField(choices=[('LBCL', 'Large B-cell lymphoma (DLBCL, HGBCL, PMBCL, transformed FL)'), ('FL', 'Follicular lymphoma'), ('MCL', 'Mantle cell lymphoma'), ('B-ALL', 'B-cell acute lymphoblastic leukaemia'), ('CLL/SLL', 'Chronic lymphocytic leukaemia / small lymphocytic lymphoma'), ('MM', 'Multiple myeloma'), ('MZL', 'Marginal zone lymphoma')], max_length=10, verbose_name='diagnosis')),
                        ('description', models.CharField(max_length=200, verbose_name='indication')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Indications of a diagnosis are tried in this order.', verbose_name='order')),
                        ('min_prior_lines', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(20)], verbose_name='minimum prior lines of systemic therapy')),
                        ('first_line_relapse_within_months', models.PositiveSmallIntegerField(blank=True, help_text='Set for second-line indications: the first line must have failed (stable or progressive disease) or relapse must have come within this many months of its end.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='second line: refractory or relapse within (months)')),
                        ('post_transplant_rule', models.CharField(choices=[('any', 'No transplant condition'), ('not_candidate', 'Not a candidate for autologous transplant'), ('failed_or_not_candidate', 'Relapsed after autologous transplant, or not a candidate for one')], default='any', max_length=30, verbose_name='post-transplant rule')),
                        ('min_age_years', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='minimum age (years)')),
                        ('max_age_years', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='maximum age (years)')),
                        ('ecog_max', models.PositiveSmallIntegerField(blank=True, help_text='Empty: the programme default threshold.', null=True, validators=[django.core.validators.MaxValueValidator(4)], verbose_name='ECOG at most')),
                        ('required_prior_drug_classes', models.JSONField(blank=True, default=list, help_text='Codes, e.g. ["imid", "proteasome_inhibitor", "anti_cd38"].', validators=[catalogue.models.validate_drug_classes], verbose_name='required prior drug classes')),
                        ('requires_lenalidomide_refractory', models.BooleanField(default=False, verbose_name='lenalidomide-refractory required')),
                        ('requires_refractory_or_second_relapse', models.BooleanField(default=False, help_text='Kymriah B-ALL: first relapse is not an indication.', verbose_name='refractory or second or later relapse required')),
                        ('last_line_relapse_within_months', models.PositiveSmallIntegerField(blank=True, help_text='Relma-cel FL: refractory to, or relapse within 24 months of, second-line or later therapy.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='latest line (second or later): refractory or relapse within (months)')),
                        ('first_line_required_drug_classes', models.JSONField(blank=True, default=list, help_text='Codes, e.g. ["anti_cd20"] for first-line chemoimmunotherapy.', validators=[catalogue.models.validate_drug_classes], verbose_name='first line must have included')),
                        ('dose_text', models.CharField(max_length=200, verbose_name='dose')),
                        ('lymphodepletion_regimen_key', models.CharField(blank=True, choices=[('relma-cel', 'Relma-cel (Carteyva): flu 25 + cy 250 mg/m², Day −5 to −3'), ('axi-cel', 'Axi-cel (Yescarta): cy 500 + flu 30 mg/m², Day −5, −4, −3'), ('brexu-cel-mcl', 'Brexu-cel (Tecartus) MCL: cy 500 + flu 30 mg/m², Day −5, −4, −3'), ('tisa-cel-lbcl-fl', 'Tisa-cel (Kymriah) LBCL/FL: flu 25 + cy 250 mg/m² × 3 days'), ('tisa-cel-all', 'Tisa-cel (Kymriah) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days'), ('liso-cel', 'Liso-cel (Breyanzi): flu 30 + cy 300 mg/m² × 3 days'), ('ide-cel', 'Ide-cel (Abecma): flu 30 + cy 300 mg/m² × 3 days'), ('cilta-cel', 'Cilta-cel (Carvykti): flu 30 + cy 300 mg/m² × 3 days'), ('obe-cel', 'Obe-cel (Aucatzyl) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days')], help_text='Empty when the dosing table has no regimen for this indication.', max_length=30, verbose_name='lymphodepletion regimen')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: an institutional default that must be reviewed against the label.', verbose_name='verified')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('product', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='catalogue.cartproduct', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'historical product indication',
                        'verbose_name_plural': 'historical product indications',
                        'db_table': 'eligibility_historicalproductindication',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalProductLabel',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('monitoring_window_days', models.PositiveSmallIntegerField(help_text='Days of monitoring after infusion (clinical reference §3).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(365)], verbose_name='monitoring window (days)')),
                        ('proximity_restriction_weeks', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(52)], verbose_name='stay near the centre (weeks)')),
                        ('driving_restriction_weeks', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(52)], verbose_name='no driving (weeks)')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: an institutional default that must be reviewed against the label.', verbose_name='verified')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('product', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='catalogue.cartproduct', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'historical product label data',
                        'verbose_name_plural': 'historical product label data',
                        'db_table': 'eligibility_historicalproductlabel',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalThreshold',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('key', models.CharField(choices=[('ecog_max', 'ECOG at most (unless the indication allows more)'), ('anc_min', 'ANC at least'), ('alc_min', 'ALC at least'), ('platelets_min', 'Platelets at least'), ('crcl_min', 'Creatinine clearance at least (real-world practice: ≥ 30)'), ('alt_max_x_uln', 'ALT at most'), ('ast_max_x_uln', 'AST at most'), ('bilirubin_max', 'Total bilirubin at most'), ('lvef_min', 'LVEF at least (real-world practice: ≥ 40)'), ('spo2_above', 'SpO2 on room air above'), ('bulky_lesion_cm', 'Bulky disease: largest lesion at least'), ('risk_ecog_min', 'Poor performance: ECOG at least'), ('risk_haemoglobin_below', 'Low haemoglobin: below'), ('risk_platelets_below', 'Low platelets: below'), ('risk_prior_lines_min', 'Many prior lines: at least'), ('hematotox_anc_below', 'HEMATOTOX: 1 point if ANC below'), ('hematotox_haemoglobin_below', 'HEMATOTOX: 1 point if haemoglobin below'), ('hematotox_platelets_1_point_at_most', 'HEMATOTOX: 1 point if platelets at most'), ('hematotox_platelets_2_points_below', 'HEMATOTOX: 2 points if platelets below'), ('hematotox_crp_at_least', 'HEMATOTOX: 1 point if CRP at least'), ('hematotox_ferritin_1_point_at_least', 'HEMATOTOX: 1 point if ferritin at least'), ('hematotox_ferritin_2_points_above', 'HEMATOTOX: 2 points if ferritin above'), ('hematotox_high_risk_min', 'HEMATOTOX: high risk from'), ('washout_systemic_steroid_days', 'Systemic steroid > 10 mg prednisone-equivalent a day: stopped at least'), ('washout_chemotherapy_days', 'Chemotherapy (reference: 2–3 weeks): stopped at least'), ('washout_anti_cd38_days', 'Anti-CD38 antibody: stopped at least'), ('washout_alemtuzumab_days', 'Alemtuzumab: stopped at least')], db_index=True, max_length=60, verbose_name='threshold')),
                        ('value', models.DecimalField(decimal_places=3, max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='value')),
                        ('unit', models.CharField(blank=True, editable=False, max_length=20, verbose_name='unit')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: UNVERIFIED — an institutional default to review.', verbose_name='verified')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical eligibility threshold',
                        'verbose_name_plural': 'historical eligibility thresholds',
                        'db_table': 'eligibility_historicalthreshold',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ProductLabel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('monitoring_window_days', models.PositiveSmallIntegerField(help_text='Days of monitoring after infusion (clinical reference §3).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(365)], verbose_name='monitoring window (days)')),
                        ('proximity_restriction_weeks', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(52)], verbose_name='stay near the centre (weeks)')),
                        ('driving_restriction_weeks', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(52)], verbose_name='no driving (weeks)')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: an institutional default that must be reviewed against the label.', verbose_name='verified')),
                        ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='label', to='catalogue.cartproduct', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'product label data',
                        'verbose_name_plural': 'product label data',
                        'db_table': 'eligibility_productlabel',
                        'ordering': ['product__short_name'],
                    },
                ),
                migrations.CreateModel(
                    name='ProductIndication',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('diagnosis', models.CharField(choices=[('LBCL', 'Large B-cell lymphoma (DLBCL, HGBCL, PMBCL, transformed FL)'), ('FL', 'Follicular lymphoma'), ('MCL', 'Mantle cell lymphoma'), ('B-ALL', 'B-cell acute lymphoblastic leukaemia'), ('CLL/SLL', 'Chronic lymphocytic leukaemia / small lymphocytic lymphoma'), ('MM', 'Multiple myeloma'), ('MZL', 'Marginal zone lymphoma')], max_length=10, verbose_name='diagnosis')),
                        ('description', models.CharField(max_length=200, verbose_name='indication')),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Indications of a diagnosis are tried in this order.', verbose_name='order')),
                        ('min_prior_lines', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(20)], verbose_name='minimum prior lines of systemic therapy')),
                        ('first_line_relapse_within_months', models.PositiveSmallIntegerField(blank=True, help_text='Set for second-line indications: the first line must have failed (stable or progressive disease) or relapse must have come within this many months of its end.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='second line: refractory or relapse within (months)')),
                        ('post_transplant_rule', models.CharField(choices=[('any', 'No transplant condition'), ('not_candidate', 'Not a candidate for autologous transplant'), ('failed_or_not_candidate', 'Relapsed after autologous transplant, or not a candidate for one')], default='any', max_length=30, verbose_name='post-transplant rule')),
                        ('min_age_years', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='minimum age (years)')),
                        ('max_age_years', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='maximum age (years)')),
                        ('ecog_max', models.PositiveSmallIntegerField(blank=True, help_text='Empty: the programme default threshold.', null=True, validators=[django.core.validators.MaxValueValidator(4)], verbose_name='ECOG at most')),
                        ('required_prior_drug_classes', models.JSONField(blank=True, default=list, help_text='Codes, e.g. ["imid", "proteasome_inhibitor", "anti_cd38"].', validators=[catalogue.models.validate_drug_classes], verbose_name='required prior drug classes')),
                        ('requires_lenalidomide_refractory', models.BooleanField(default=False, verbose_name='lenalidomide-refractory required')),
                        ('requires_refractory_or_second_relapse', models.BooleanField(default=False, help_text='Kymriah B-ALL: first relapse is not an indication.', verbose_name='refractory or second or later relapse required')),
                        ('last_line_relapse_within_months', models.PositiveSmallIntegerField(blank=True, help_text='Relma-cel FL: refractory to, or relapse within 24 months of, second-line or later therapy.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='latest line (second or later): refractory or relapse within (months)')),
                        ('first_line_required_drug_classes', models.JSONField(blank=True, default=list, help_text='Codes, e.g. ["anti_cd20"] for first-line chemoimmunotherapy.', validators=[catalogue.models.validate_drug_classes], verbose_name='first line must have included')),
                        ('dose_text', models.CharField(max_length=200, verbose_name='dose')),
                        ('lymphodepletion_regimen_key', models.CharField(blank=True, choices=[('relma-cel', 'Relma-cel (Carteyva): flu 25 + cy 250 mg/m², Day −5 to −3'), ('axi-cel', 'Axi-cel (Yescarta): cy 500 + flu 30 mg/m², Day −5, −4, −3'), ('brexu-cel-mcl', 'Brexu-cel (Tecartus) MCL: cy 500 + flu 30 mg/m², Day −5, −4, −3'), ('tisa-cel-lbcl-fl', 'Tisa-cel (Kymriah) LBCL/FL: flu 25 + cy 250 mg/m² × 3 days'), ('tisa-cel-all', 'Tisa-cel (Kymriah) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days'), ('liso-cel', 'Liso-cel (Breyanzi): flu 30 + cy 300 mg/m² × 3 days'), ('ide-cel', 'Ide-cel (Abecma): flu 30 + cy 300 mg/m² × 3 days'), ('cilta-cel', 'Cilta-cel (Carvykti): flu 30 + cy 300 mg/m² × 3 days'), ('obe-cel', 'Obe-cel (Aucatzyl) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days')], help_text='Empty when the dosing table has no regimen for this indication.', max_length=30, verbose_name='lymphodepletion regimen')),
                        ('source', models.CharField(max_length=300, verbose_name='source')),
                        ('verified', models.BooleanField(default=False, help_text='Unticked: an institutional default that must be reviewed against the label.', verbose_name='verified')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='indications', to='catalogue.cartproduct', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'product indication',
                        'verbose_name_plural': 'product indications',
                        'db_table': 'eligibility_productindication',
                        'ordering': ['product__short_name', 'diagnosis', 'position', 'id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('min_age_years__isnull', True), ('max_age_years__isnull', True), ('min_age_years__lte', models.F('max_age_years')), _connector='OR'), name='indication_age_range_ordered', violation_error_message='The minimum age must not be above the maximum age.'), models.CheckConstraint(condition=models.Q(('ecog_max__isnull', True), ('ecog_max__lte', 4), _connector='OR'), name='indication_ecog_max_range')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
