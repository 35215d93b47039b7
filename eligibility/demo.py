"""Demo screenings for the courses seed_demo left in screening (idempotent)."""

import datetime

from patients import rules as course_rules
from patients.models import TreatmentCourse

from . import services
from .models import ScreeningAssessment

LABS = {
    "ecog": 1,
    "crcl_ml_min": "82",
    "bilirubin_mg_dl": "0.8",
    "alt_u_l": "35",
    "alt_uln_u_l": "40",
    "ast_u_l": "31",
    "ast_uln_u_l": "40",
    "lvef_percent": "58",
    "spo2_percent": "97",
    "haemoglobin_g_dl": "10.9",
    "platelets_10e9_l": "142",
    "anc_10e9_l": "1.9",
    "alc_10e9_l": "0.7",
    "ldh_u_l": "310",
    "ldh_uln_u_l": "250",
    "ferritin_ng_ml": "880",
    "crp_mg_dl": "1.4",
    "largest_lesion_cm": "6.2",
    "cns_involvement": False,
    "active_infection": False,
    "hbv": "negative",
    "hcv": "negative",
    "hiv": "negative",
    "pregnancy": "not_applicable",
    "prior_autologous_transplant": False,
    "transplant_candidate": False,
    "lenalidomide_refractory": True,
}
CLASSES = {
    "MM": (["imid", "proteasome_inhibitor"], ["anti_cd38", "imid"]),
    "CLL/SLL": (["btk_inhibitor"], ["bcl2_inhibitor", "anti_cd20"]),
}


def _lines(diagnosis: str, today: datetime.date) -> list[dict]:
    first, second = CLASSES.get(diagnosis, (["anti_cd20", "anthracycline"], ["anti_cd20"]))
    year = datetime.timedelta(days=365)
    return [
        {
            "line_number": 1,
            "regimen": "First-line chemoimmunotherapy",
            "drug_classes": first,
            "start_date": today - 3 * year,
            "end_date": today - 3 * year + datetime.timedelta(days=140),
            "best_response": "CR",
            "progression_date": today - 2 * year,
        },
        {
            "line_number": 2,
            "regimen": "Salvage therapy",
            "drug_classes": second,
            "start_date": today - 2 * year + datetime.timedelta(days=20),
            "end_date": today - year,
            "best_response": "PR",
            "progression_date": today - datetime.timedelta(days=60),
        },
    ]


def seed(*, staff: dict, today: datetime.date) -> None:
    clinician = staff["ben"]
    courses = (
        TreatmentCourse.objects.filter(stage=course_rules.SCREENING)
        # A screening only opened (the demo walk's evidence) is filled in; one already
        # updated is left as it is, so the demo stays idempotent.
        .exclude(pk__in=ScreeningAssessment.objects.filter(version__gt=1).values("course_id"))
        .select_related("patient")
        .order_by("id")
    )
    for index, course in enumerate(courses):
        assessment = services.screening_start(by=clinician, course=course)
        fields = {"assessed_on": today, "diagnosis": course.patient.diagnosis, **LABS}
        if index % 2:
            # Every other screening is still waiting for the echocardiogram and serology.
            for name in ("lvef_percent", "hbv", "hcv", "hiv"):
                fields[name] = None
        services.screening_update(
            by=clinician,
            assessment=assessment,
            expected_version=assessment.version,
            fields=fields,
            prior_lines=_lines(course.patient.diagnosis, today),
            washout_therapies=[
                {
                    "therapy_class": "systemic_steroid",
                    "description": "dexamethasone 20 mg",
                    "last_dose_date": today - datetime.timedelta(days=3),
                }
            ],
        )
