"""Shared screening fixtures: a fit LBCL patient's screening.

The catalogue is no longer reseeded here from 0002's seeder: the root conftest restores the
migrated database (every data migration's rows, including eligibility 0004's current label
indications), and reseeding 0002 would bring back the superseded wording as active rows."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import blank_pdf, tiny_png
from eligibility import services
from patients import services as patient_services
from tests.factories import PASSWORD, product

# Monday 15 June 2026, 09:00 in Chongqing.
NOW = "2026-06-15 09:00 +08:00"
TODAY = date(2026, 6, 15)

# A real one-page PDF and a real 1x1 PNG: uploads are read in full (core/uploads.py).
PDF_BYTES = blank_pdf()
PNG_BYTES = tiny_png()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# Everything a fit LBCL patient after two lines needs for axi-cel (clinical reference §5).
FIT_FIELDS = {
    "assessed_on": date(2026, 6, 12),
    "diagnosis": "LBCL",
    "diagnosis_subtype": "DLBCL NOS, GCB",
    "prior_autologous_transplant": False,
    "transplant_candidate": False,
    "largest_lesion_cm": "4.5",
    "cns_involvement": False,
    "ecog": 1,
    "crcl_ml_min": "88",
    "bilirubin_mg_dl": "0.7",
    "alt_u_l": "32",
    "alt_uln_u_l": "40",
    "ast_u_l": "30",
    "ast_uln_u_l": "40",
    "lvef_percent": "62",
    "spo2_percent": "97",
    "haemoglobin_g_dl": "11.8",
    "platelets_10e9_l": "190",
    "anc_10e9_l": "2.6",
    "alc_10e9_l": "0.9",
    "ldh_u_l": "220",
    "ldh_uln_u_l": "250",
    "ferritin_ng_ml": "420",
    "crp_mg_dl": "0.6",
    "active_infection": False,
    "hbv": "negative",
    "hcv": "negative",
    "hiv": "negative",
    "pregnancy": "not_applicable",
}
FIT_LINES = [
    {
        "line_number": 1,
        "regimen": "R-CHOP × 6",
        "drug_classes": ["anti_cd20", "anthracycline"],
        "start_date": date(2024, 1, 10),
        "end_date": date(2024, 6, 1),
        "best_response": "CR",
        "progression_date": date(2025, 3, 1),
    },
    {
        "line_number": 2,
        "regimen": "R-GemOx",
        "drug_classes": ["anti_cd20"],
        "start_date": date(2025, 3, 20),
        "end_date": date(2025, 7, 1),
        "best_response": "PR",
        "progression_date": date(2026, 3, 1),
    },
]
FIT_WASHOUTS = [
    {
        "therapy_class": "systemic_steroid",
        "description": "dexamethasone 20 mg",
        "last_dose_date": date(2026, 6, 10),
    },
]


def open_course(patient, clinician, code="axi-cel"):
    return patient_services.course_open(
        by=clinician, patient=patient, product=product(code), referred_on=date(2026, 6, 1)
    )


def screened_course(patient, clinician, code="axi-cel", *, fields=None, lines=None):
    """A course in screening with a saved screening (fit by default)."""
    course = open_course(patient, clinician, code)
    assessment = services.screening_start(by=clinician, course=course)
    services.screening_update(
        by=clinician,
        assessment=assessment,
        expected_version=assessment.version,
        fields=FIT_FIELDS if fields is None else fields,
        prior_lines=FIT_LINES if lines is None else lines,
        washout_therapies=FIT_WASHOUTS,
    )
    course.refresh_from_db()
    return course


def approved_course(patient, clinician, code="axi-cel"):
    course = screened_course(patient, clinician, code)
    services.decision_record(password=PASSWORD, by=clinician, course=course, decision="approve")
    course.refresh_from_db()
    return course


def pdf(name="consent.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


ALL_ITEMS = {
    "explained_price": True,
    "explained_benefit": True,
    "explained_crs_icans": True,
    "explained_long_term_follow_up": True,
    "explained_restrictions": True,
}
