"""Seed the indications and label data of the CAR-T catalogue (clinical reference §3–§4) and
the eligibility thresholds (§5, from eligibility.rules.DEFAULT_THRESHOLDS).

Label data: confirm against the current label before clinical use. Rows marked verified=False
are institutional defaults — review (the UI says so). Administrators edit them in the admin.
"""

from django.db import migrations

REF = "Clinical reference §4"
# US labels since 26 June 2025 (CAR-T REMS removed): 2 weeks' monitoring, stay near the centre
# 2 weeks, no driving 2 weeks (clinical reference §3).
US_2025 = "Clinical reference §3 (US labels since 26 June 2025)"

# code: (monitoring days, proximity weeks, driving weeks, source, verified)
LABELS = {
    "axi-cel": (14, 2, 2, US_2025, True),
    "tisa-cel": (14, 2, 2, US_2025, True),
    "liso-cel": (14, 2, 2, US_2025, True),
    "brexu-cel": (14, 2, 2, US_2025, True),
    "ide-cel": (14, 2, 2, US_2025, True),
    "cilta-cel": (14, 2, 2, US_2025, True),
    # Not a US product: the older 4 / 8 weeks are kept until the label is checked.
    "relma-cel": (28, 4, 8, "Clinical reference §3 (older protocols: 4 and 8 weeks) — review", False),
    "obe-cel": (14, 2, 2, US_2025 + " — UNVERIFIED for obe-cel", False),
}

# (product, diagnosis, description, position, min_prior_lines, first-line relapse months,
#  post-transplant rule, min age, max age, ECOG max, required drug classes,
#  lenalidomide-refractory, dose, regimen key, source, verified)
INDICATIONS = [
    ("relma-cel", "LBCL", "LBCL after ≥ 2 lines of systemic therapy", 1, 2, None, "any",
     18, None, None, [], False, "100 × 10⁶ CAR+ T cells", "relma-cel", REF, True),
    ("relma-cel", "FL", "Relapsed or refractory FL after ≥ 2 lines", 1, 2, None, "any",
     18, None, None, [], False, "100 × 10⁶ CAR+ T cells", "relma-cel",
     REF + " gives no line count for FL: 2 lines assumed — review", False),
    ("axi-cel", "LBCL", "LBCL refractory to first line or relapsed ≤ 12 months", 1, 1, 12, "any",
     18, None, None, [], False, "2 × 10⁶ CAR+ T cells/kg, max 2 × 10⁸", "axi-cel", REF, True),
    ("axi-cel", "LBCL", "LBCL after ≥ 2 lines of systemic therapy", 2, 2, None, "any",
     18, None, None, [], False, "2 × 10⁶ CAR+ T cells/kg, max 2 × 10⁸", "axi-cel", REF, True),
    ("axi-cel", "FL", "FL after ≥ 2 lines of systemic therapy", 1, 2, None, "any",
     18, None, None, [], False, "2 × 10⁶ CAR+ T cells/kg, max 2 × 10⁸", "axi-cel", REF, True),
    ("tisa-cel", "B-ALL", "B-ALL, refractory or relapsed, up to age 25", 1, 1, None, "any",
     None, 25, None, [], False, "Weight-banded per label — confirm", "tisa-cel-all",
     REF + " (B-ALL dose not in the reference — review)", False),
    ("tisa-cel", "LBCL", "LBCL after ≥ 2 lines of systemic therapy", 1, 2, None, "any",
     18, None, None, [], False, "0.6–6.0 × 10⁸ CAR+ T cells", "tisa-cel-lbcl-fl", REF, True),
    ("tisa-cel", "FL", "FL after ≥ 2 lines of systemic therapy", 1, 2, None, "any",
     18, None, None, [], False, "0.6–6.0 × 10⁸ CAR+ T cells", "tisa-cel-lbcl-fl", REF, True),
    ("liso-cel", "LBCL", "LBCL second line: refractory or relapsed ≤ 12 months", 1, 1, 12, "any",
     18, None, 2, [], False, "50–110 × 10⁶ CAR+ T cells", "liso-cel",
     REF + "; ECOG 0–2 from TRANSCEND entry criteria — UNVERIFIED", False),
    ("liso-cel", "LBCL", "LBCL second line, not a transplant candidate", 2, 1, None,
     "not_candidate", 18, None, 2, [], False, "50–110 × 10⁶ CAR+ T cells", "liso-cel",
     REF + "; PILOT entry criteria — UNVERIFIED", False),
    ("liso-cel", "LBCL", "LBCL after ≥ 2 lines of systemic therapy", 3, 2, None, "any",
     18, None, 2, [], False, "50–110 × 10⁶ CAR+ T cells", "liso-cel", REF, True),
    ("liso-cel", "CLL/SLL", "CLL/SLL after ≥ 2 lines incl. BTK and BCL-2 inhibitors", 1, 2, None,
     "any", 18, None, 2, ["btk_inhibitor", "bcl2_inhibitor"], False,
     "Per label — confirm", "liso-cel", REF + " (line rule and dose — review)", False),
    ("liso-cel", "FL", "FL after ≥ 2 lines of systemic therapy", 1, 2, None, "any",
     18, None, 2, [], False, "Per label — confirm", "liso-cel",
     REF + " (line rule and dose — review)", False),
    ("brexu-cel", "MCL", "Adult relapsed or refractory MCL", 1, 1, None, "any",
     18, None, None, [], False, "2 × 10⁶ CAR+ T cells/kg, max 2 × 10⁸", "brexu-cel-mcl",
     REF, True),
    ("brexu-cel", "B-ALL", "Adult relapsed or refractory B-ALL", 1, 1, None, "any",
     18, None, None, [], False, "Per label — confirm", "",
     REF + " (B-ALL dose and regimen not in the reference — review)", False),
    ("ide-cel", "MM", "Myeloma after ≥ 2 lines incl. an IMiD, a PI and an anti-CD38", 1, 2, None,
     "any", 18, None, None, ["imid", "proteasome_inhibitor", "anti_cd38"], False,
     "300–510 × 10⁶ CAR+ T cells", "ide-cel", REF, True),
    ("cilta-cel", "MM", "Myeloma after ≥ 1 line incl. a PI and an IMiD, lenalidomide-refractory",
     1, 1, None, "any", 18, None, None, ["imid", "proteasome_inhibitor"], True,
     "0.5–1.0 × 10⁶ CAR+ T cells/kg, max 1 × 10⁸", "cilta-cel",
     REF + " (PI and IMiD exposure from the Carvykti label — review)", False),
    ("obe-cel", "B-ALL", "Adult relapsed or refractory B-ALL", 1, 1, None, "any",
     18, None, None, [], False, "410 × 10⁶ CAR+ T cells, split Day 1 / Day 10", "obe-cel",
     REF + " (regimen UNVERIFIED)", False),
]


def seed(apps, schema_editor):
    from eligibility.rules import DEFAULT_THRESHOLDS

    Product = apps.get_model("patients", "CarTProduct")
    Label = apps.get_model("eligibility", "ProductLabel")
    Indication = apps.get_model("eligibility", "ProductIndication")
    Threshold = apps.get_model("eligibility", "Threshold")
    products = {p.code: p for p in Product.objects.filter(code__in=LABELS)}
    for code, (days, proximity, driving, source, verified) in LABELS.items():
        if code in products:
            Label.objects.get_or_create(
                product=products[code],
                defaults={
                    "monitoring_window_days": days,
                    "proximity_restriction_weeks": proximity,
                    "driving_restriction_weeks": driving,
                    "source": source,
                    "verified": verified,
                },
            )
    for row in INDICATIONS:
        (code, diagnosis, description, position, lines, months, transplant, min_age, max_age,
         ecog_max, classes, len_refractory, dose, regimen, source, verified) = row
        if code not in products:
            continue
        Indication.objects.get_or_create(
            product=products[code],
            diagnosis=diagnosis,
            description=description,
            defaults={
                "position": position,
                "min_prior_lines": lines,
                "first_line_relapse_within_months": months,
                "post_transplant_rule": transplant,
                "min_age_years": min_age,
                "max_age_years": max_age,
                "ecog_max": ecog_max,
                "required_prior_drug_classes": classes,
                "requires_lenalidomide_refractory": len_refractory,
                "dose_text": dose,
                "lymphodepletion_regimen_key": regimen,
                "source": source,
                "verified": verified,
            },
        )
    for key, threshold in DEFAULT_THRESHOLDS.items():
        Threshold.objects.get_or_create(
            key=key,
            defaults={
                "value": threshold.value,
                "unit": threshold.unit,
                "source": threshold.source,
                "verified": threshold.verified,
            },
        )


def unseed(apps, schema_editor):
    for name in ("ProductIndication", "ProductLabel", "Threshold"):
        apps.get_model("eligibility", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("eligibility", "0001_initial"),
        ("patients", "0002_product_catalogue"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
