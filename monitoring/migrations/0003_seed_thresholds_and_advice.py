"""Seed the vital-sign thresholds (monitoring/vitals.py) and the management advice
(monitoring/advice.py), each with its source. Idempotent: existing rows are left as edited."""

from django.db import migrations

INSTITUTIONAL = "institutional default — review"
CLINICAL_REF = "clinical reference §3"
ASCO_2021 = "ASCO 2021 (Santomasso BD et al., J Clin Oncol 2021;39:3978-3992)"

THRESHOLDS = [
    ("systolic_below_mmhg", "90", f"{CLINICAL_REF}: systolic < 90 mmHg ({INSTITUTIONAL})"),
    ("map_below_mmhg", "65", f"{CLINICAL_REF}: MAP < 65 mmHg ({INSTITUTIONAL})"),
    (
        "spo2_room_air_below_percent",
        "90",
        f"{CLINICAL_REF}: SpO2 < 90% on room air ({INSTITUTIONAL})",
    ),
]

ADVICE = [
    (
        "tocilizumab",
        "Consider tocilizumab 8 mg/kg IV over 1 h (12 mg/kg under 30 kg), at most 800 mg a "
        "dose; repeat no sooner than 8 h, at most 3 doses in 24 h and 4 in total.",
        "考虑托珠单抗 8 mg/kg 静脉输注 1 小时（体重 < 30 kg 时 12 mg/kg），每剂最多 800 mg；"
        "重复给药间隔至少 8 小时，24 小时内最多 3 剂，总计最多 4 剂。",
        f"{ASCO_2021}; tocilizumab (Actemra) label, CRS",
    ),
    (
        "tocilizumab_limit",
        "Tocilizumab repeat limit reached (≥ 8 h apart, ≤ 3 in 24 h, ≤ 4 in total): discuss "
        "other agents (corticosteroids, anakinra) with the attending clinician.",
        "已达托珠单抗重复给药上限（间隔 ≥ 8 小时，24 小时内 ≤ 3 剂，总计 ≤ 4 剂）：请与主治医师讨论"
        "其他药物（糖皮质激素、阿那白滞素）。",
        f"{ASCO_2021}; tocilizumab (Actemra) label, CRS",
    ),
    (
        "manage_as_grade_3",
        "Grade 2 CRS not improving within 24 h of tocilizumab: manage as grade 3.",
        "托珠单抗后 24 小时内 2 级 CRS 未改善：按 3 级处理。",
        ASCO_2021,
    ),
    (
        "dexamethasone",
        "Consider dexamethasone 10 mg IV every 6 h; CRS grade 3: ICU care.",
        "考虑地塞米松 10 mg 静脉注射，每 6 小时一次；3 级 CRS：转入 ICU 监护。",
        ASCO_2021,
    ),
    (
        "methylprednisolone",
        "Consider methylprednisolone 1 g/day (500 mg IV every 12 h); ICU care.",
        "考虑甲泼尼龙 1 g/天（500 mg 静脉注射，每 12 小时一次）；ICU 监护。",
        ASCO_2021,
    ),
    (
        "levetiracetam",
        "Seizure prophylaxis with levetiracetam as the product label or the institutional "
        "protocol says (e.g. 500–750 mg every 12 h).",
        "按产品说明书或本院方案使用左乙拉西坦预防癫痫（例如 500–750 mg，每 12 小时一次）。",
        f"product label or institutional protocol ({INSTITUTIONAL}): list the products",
    ),
]


def seed(apps, schema_editor):
    threshold = apps.get_model("monitoring", "VitalSignThreshold")
    for key, value, source in THRESHOLDS:
        threshold.objects.get_or_create(key=key, defaults={"value": value, "source": source})
    advice = apps.get_model("monitoring", "ManagementAdvice")
    for key, text_en, text_zh, source in ADVICE:
        advice.objects.get_or_create(
            key=key,
            defaults={
                "text_en": text_en,
                "text_zh_hans": text_zh,
                "source": source,
                "verified": False,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_bedside_round2")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
