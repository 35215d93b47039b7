"""FHIR export of one treatment course as a Bundle (type "collection").

Resources: Patient; Condition (the diagnosis, ICD-10); Procedure (lymphodepletion and the
CAR-T infusion on Day 0); MedicationAdministration (tocilizumab, corticosteroids, anakinra);
Observation (maximum CRS and ICANS grades by ASTCT, each follow-up response and the best
overall response by Lugano 2014).

The bundle is validated with fhir.resources' R4B models: R4B (4.3.0) is the technical
correction of R4, and Patient, Condition, Procedure, MedicationAdministration and Observation
are the same in both.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from followup.models import FollowUpVisit
from monitoring.models import Assessment, Intervention, InterventionKind
from patients import rules as patient_rules
from patients.models import StageEvent, TreatmentCourse

from . import registry

# Codes of this programme where no standard code is used (grades, response categories).
CODE_SYSTEM = "https://cart-workflow.invalid/fhir/CodeSystem/cart"
MRN_SYSTEM = "https://cart-workflow.invalid/fhir/NamingSystem/mrn"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
# ICD-10 (WHO 2019) categories of the programme's diagnoses.
DIAGNOSIS_ICD10 = {
    "LBCL": ("C83.3", "Diffuse large B-cell lymphoma"),
    "FL": ("C82", "Follicular lymphoma"),
    "MCL": ("C83.1", "Mantle cell lymphoma"),
    "B-ALL": ("C91.0", "Acute lymphoblastic leukaemia"),
    "CLL/SLL": ("C91.1", "Chronic lymphocytic leukaemia of B-cell type"),
    "MM": ("C90.0", "Multiple myeloma"),
}
GENDER = {"F": "female", "M": "male", "O": "other", "U": "unknown"}
MEDICATION_KINDS = (
    InterventionKind.TOCILIZUMAB,
    InterventionKind.CORTICOSTEROID,
    InterventionKind.ANAKINRA,
)
RESPONSE_TEXT = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
}


def _urn(*parts) -> str:
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, "cart-workflow/" + "/".join(map(str, parts)))
    )


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _local(code: str, display: str) -> dict:
    return {"coding": [{"system": CODE_SYSTEM, "code": code, "display": display}], "text": display}


def _response_concept(code: str) -> dict:
    return _local(f"response-{code}", RESPONSE_TEXT.get(code, code))


def course_bundle(course: TreatmentCourse) -> dict:
    """The course as a FHIR R4 Bundle (a plain dict, JSON-ready)."""
    patient = course.patient
    patient_ref = _urn("patient", patient.pk)
    condition_ref = _urn("condition", course.pk)
    entries: list[tuple[str, dict]] = []

    entries.append(
        (
            patient_ref,
            {
                "resourceType": "Patient",
                "identifier": [{"system": MRN_SYSTEM, "value": patient.mrn}],
                "name": [{"family": patient.family_name, "given": [patient.given_name]}],
                "gender": GENDER.get(patient.sex, "unknown"),
                "birthDate": patient.date_of_birth.isoformat(),
            },
        )
    )
    icd, icd_display = DIAGNOSIS_ICD10[patient.diagnosis]
    entries.append(
        (
            condition_ref,
            {
                "resourceType": "Condition",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "verificationStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                            "code": "confirmed",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": ICD10, "code": icd, "display": icd_display}],
                    "text": patient.get_diagnosis_display(),
                },
                "subject": {"reference": patient_ref},
            },
        )
    )

    lymphodepletion = (
        StageEvent.objects.filter(course=course, to_stage=patient_rules.LYMPHODEPLETION)
        .order_by("effective_date", "pk")
        .first()
    )
    if lymphodepletion is not None:
        entries.append(
            (
                _urn("procedure", course.pk, "lymphodepletion"),
                {
                    "resourceType": "Procedure",
                    "status": "completed",
                    "code": _local("lymphodepletion", "Lymphodepleting chemotherapy"),
                    "subject": {"reference": patient_ref},
                    "performedDateTime": lymphodepletion.effective_date.isoformat(),
                    "reasonReference": [{"reference": condition_ref}],
                },
            )
        )
    product = course.product
    infusion = {
        "resourceType": "Procedure",
        "status": "completed" if course.day0_date else "preparation",
        "code": _local("car-t-infusion", "CAR-T cell infusion"),
        "subject": {"reference": patient_ref},
        "reasonReference": [{"reference": condition_ref}],
        "usedCode": [
            {
                "coding": [{"system": CODE_SYSTEM, "code": f"product-{product.code}"}],
                "text": f"{product.generic_name} ({product.name})",
            }
        ],
    }
    if course.day0_date:
        infusion["performedDateTime"] = course.day0_date.isoformat()
    entries.append((_urn("procedure", course.pk, "infusion"), infusion))

    interventions = Intervention.objects.filter(course=course, kind__in=MEDICATION_KINDS)
    for item in interventions.order_by("given_at", "pk"):
        resource = {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "medicationCodeableConcept": _local(
                f"drug-{item.kind}", item.drug or item.get_kind_display()
            ),
            "subject": {"reference": patient_ref},
            "effectiveDateTime": _instant(item.given_at),
            "reasonReference": [{"reference": condition_ref}],
        }
        dosage: dict = {}
        if item.route:
            dosage["route"] = {"text": item.route}
        if item.dose_mg is not None:
            dosage["dose"] = {
                "value": float(item.dose_mg),
                "unit": "mg",
                "system": UCUM,
                "code": "mg",
            }
        if dosage:
            resource["dosage"] = dosage
        entries.append((_urn("medication-administration", item.pk), resource))

    assessments = Assessment.objects.filter(course=course)
    for key, field, label in (
        ("crs", "crs_grade", "Maximum CRS grade (ASTCT)"),
        ("icans", "icans_grade", "Maximum ICANS grade (ASTCT)"),
    ):
        worst = (
            assessments.filter(**{f"{field}__isnull": False})
            .order_by(f"-{field}", "assessed_at")
            .first()
        )
        if worst is None:
            continue
        entries.append(
            (
                _urn("observation", course.pk, key),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": _local(f"{key}-max-grade", label),
                    "subject": {"reference": patient_ref},
                    "effectiveDateTime": _instant(worst.assessed_at),
                    "valueInteger": getattr(worst, field),
                },
            )
        )

    visits = FollowUpVisit.objects.filter(course=course).exclude(lugano_response="")
    for visit in visits.order_by("visit_date", "pk"):
        entries.append(
            (
                _urn("observation", "visit", visit.pk),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": _local("lugano-response", "Disease response (Lugano 2014)"),
                    "subject": {"reference": patient_ref},
                    "effectiveDateTime": visit.visit_date.isoformat(),
                    "valueCodeableConcept": _response_concept(visit.lugano_response),
                },
            )
        )
    if course.day0_date:
        course_with_visits = registry.outcome_courses().get(pk=course.pk)
        outcome, _issue = registry.course_outcome_or_issue(course_with_visits)
        if outcome is not None and outcome.best_response:
            best = {
                "resourceType": "Observation",
                "status": "final",
                "code": _local("best-overall-response", "Best overall response (Lugano 2014)"),
                "subject": {"reference": patient_ref},
                "valueCodeableConcept": _response_concept(outcome.best_response),
            }
            if outcome.best_response_date:
                best["effectiveDateTime"] = outcome.best_response_date.isoformat()
            entries.append((_urn("observation", course.pk, "best-response"), best))

    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"cart-workflow/bundle/{course.pk}")),
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def validate_bundle(bundle: dict):
    """Validate with fhir.resources (R4B); raises pydantic.ValidationError when invalid."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model


def fhir_available() -> bool:
    try:
        import fhir.resources.R4B  # noqa: F401
    except ImportError:
        return False
    return True
