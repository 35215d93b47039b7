"""The programme's export datasets (registered once, on first use of the registry)."""

import json

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from core import system_text
from eligibility.models import ConsentRecord, MdtDecision, ScreeningAssessment
from followup.models import FollowUpVisit
from monitoring.models import Assessment, Intervention
from patients import rules as patient_rules
from patients.models import Patient, StageEvent, TreatmentCourse

from . import audit, registry
from .datasets import Column, Dataset, LocalDay, col, computed, register


def _day_number(day0_date, planned_day0_date, on):
    """Day relative to Day 0 (infusion, else planned): Day 0 is the infusion day."""
    day0 = day0_date or planned_day0_date  # TreatmentCourse.day0_reference
    if day0 is None or on is None:
        return None
    return patient_rules.day_number(day0=day0, on=on)


def day_number_column(course_path: str, date_path: str) -> Column:
    """The day number of a row's date or datetime (its day in the centre's time zone)."""
    course = f"{course_path}." if course_path else ""
    return computed(
        "day_number",
        _day_number,
        f"{course}day0_date",
        f"{course}planned_day0_date",
        LocalDay(date_path),
        sql=_day_number_sql,
    )


def _day_number_sql(day0_date: str, planned_day0_date: str, on: str) -> str:
    """_day_number in SQL (date − date is a number of days; NULL without a Day 0)."""
    return f"({on} - coalesce({day0_date}, {planned_day0_date}))"


def _stage_event_reason(reason_text, reason) -> str:
    if isinstance(reason_text, str):  # the column's JSON text, as some readers fetch it
        reason_text = json.loads(reason_text)
    return " ".join(p for p in (system_text.english(reason_text), reason or "") if p)


def _bsa_m2(height_cm, weight_kg) -> float:
    return round(patient_rules.body_surface_area_m2(height_cm=height_cm, weight_kg=weight_kg), 2)


COURSE_COLUMNS = (
    col("course_id", "course_id"),
    col("mrn", "course.patient.mrn"),
    col("product", "course.product.code"),
)

register(
    Dataset(
        key="patients",
        label=_("Patients"),
        description=_("Registry data of every patient: identity, anthropometry, diagnosis."),
        base=lambda: Patient.objects.select_related("ward", "attending_clinician").order_by("pk"),
        columns=(
            col("patient_id", "pk"),
            col("mrn", "mrn"),
            col("family_name", "family_name"),
            col("given_name", "given_name"),
            col("date_of_birth", "date_of_birth"),
            col("sex", "sex"),
            col("diagnosis", "diagnosis"),
            col("weight_kg", "weight_kg"),
            col("height_cm", "height_cm"),
            computed("bsa_m2", _bsa_m2, "height_cm", "weight_kg"),
            col("ward", "ward.code"),
            col("attending_clinician", "attending_clinician.username"),
            col("registered_at", "created_at"),
        ),
        date_lookup="created_at__date",
        date_label=_("registration date"),
        diagnosis_lookup="diagnosis",
        restrict_courses=lambda qs, courses: qs.filter(pk__in=courses.values("patient_id")),
    )
)

register(
    Dataset(
        key="courses",
        label=_("Treatment courses"),
        description=_("One row per course: product, current stage, referral and Day 0."),
        base=lambda: TreatmentCourse.objects.select_related(
            "patient", "product", "created_by"
        ).order_by("pk"),
        columns=(
            col("course_id", "pk"),
            col("patient_id", "patient_id"),
            col("mrn", "patient.mrn"),
            col("diagnosis", "patient.diagnosis"),
            col("product", "product.code"),
            col("stage", "stage"),
            col("referred_on", "referred_on"),
            col("planned_day0_date", "planned_day0_date"),
            col("day0_date", "day0_date"),
            col("opened_by", "created_by.username"),
            col("opened_at", "created_at"),
        ),
        date_lookup="referred_on",
        date_label=_("referral date"),
        course_path="",
        diagnosis_lookup="patient__diagnosis",
    )
)

register(
    Dataset(
        key="stage_events",
        label=_("Stage timeline"),
        description=_("Every stage change of every course: who, when, why."),
        base=lambda: StageEvent.objects.select_related(
            "course__patient", "course__product", "changed_by"
        ).order_by("pk"),
        columns=(
            col("event_id", "pk"),
            *COURSE_COLUMNS,
            col("from_stage", "from_stage"),
            col("to_stage", "to_stage"),
            col("effective_date", "effective_date"),
            day_number_column("course", "effective_date"),
            col("recorded_at", "occurred_at"),
            col("changed_by", "changed_by.username"),
            # The system's words in English, then the person's (exports stay English by design);
            # rendered in Python, so this dataset is written by the Python writer, not COPY.
            computed("reason", _stage_event_reason, "reason_text", "reason"),
        ),
        date_lookup="effective_date",
        date_label=_("date of the stage change"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)


def _screening_base():
    latest_decision = MdtDecision.objects.filter(course=OuterRef("course")).order_by(
        "-recorded_at", "-id"
    )
    latest_consent = ConsentRecord.objects.filter(course=OuterRef("course")).order_by(
        "-consented_on", "-id"
    )
    return (
        ScreeningAssessment.objects.select_related("course__patient", "course__product")
        .annotate(
            prior_line_count=Count("prior_lines", distinct=True),
            mdt_decision=Subquery(latest_decision.values("decision")[:1]),
            mdt_decided_on=Subquery(latest_decision.values("decided_on")[:1]),
            mdt_rule_result=Subquery(latest_decision.values("rule_result")[:1]),
            consented_on=Subquery(latest_consent.values("consented_on")[:1]),
        )
        .order_by("pk")
    )


SCREENING_FIELDS = [
    "ecog",
    "crcl_ml_min",
    "bilirubin_mg_dl",
    "alt_u_l",
    "alt_uln_u_l",
    "ast_u_l",
    "ast_uln_u_l",
    "lvef_percent",
    "spo2_percent",
    "haemoglobin_g_dl",
    "platelets_10e9_l",
    "anc_10e9_l",
    "alc_10e9_l",
    "ldh_u_l",
    "ldh_uln_u_l",
    "ferritin_ng_ml",
    "crp_mg_dl",
    "largest_lesion_cm",
    "cns_involvement",
    "active_infection",
    "prior_autologous_transplant",
    "hbv",
    "hcv",
    "hiv",
]

register(
    Dataset(
        key="screening",
        label=_("Screening results"),
        description=_(
            "Screening assessments with labs (units in the headers), prior lines, the latest "
            "MDT decision and the consent date."
        ),
        base=_screening_base,
        columns=(
            col("screening_id", "pk"),
            *COURSE_COLUMNS,
            col("assessed_on", "assessed_on"),
            col("diagnosis", "diagnosis"),
            col("diagnosis_subtype", "diagnosis_subtype"),
            *(col(name, name) for name in SCREENING_FIELDS),
            col("prior_lines", "prior_line_count"),
            col("mdt_decision", "mdt_decision"),
            col("mdt_decided_on", "mdt_decided_on"),
            col("mdt_rule_result", "mdt_rule_result"),
            col("consented_on", "consented_on"),
        ),
        date_lookup="assessed_on",
        date_label=_("screening date"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)


def _infusion_base():
    first = StageEvent.objects.filter(course=OuterRef("course")).order_by("effective_date", "pk")
    return (
        StageEvent.objects.filter(to_stage=patient_rules.INFUSION)
        .select_related("course__patient", "course__product", "changed_by")
        .annotate(
            lymphodepletion_on=Subquery(
                first.filter(to_stage=patient_rules.LYMPHODEPLETION).values("effective_date")[:1]
            ),
            apheresis_on=Subquery(
                first.filter(to_stage=patient_rules.APHERESIS).values("effective_date")[:1]
            ),
        )
        .order_by("effective_date", "pk")
    )


register(
    Dataset(
        key="infusions",
        label=_("Infusions"),
        description=_(
            "One row per infusion (the stage change to infusion), with Day 0 and the dates of "
            "apheresis and lymphodepletion from the stage timeline."
        ),
        base=_infusion_base,
        columns=(
            col("course_id", "course_id"),
            col("mrn", "course.patient.mrn"),
            col("diagnosis", "course.patient.diagnosis"),
            col("product", "course.product.code"),
            col("day0_date", "course.day0_date"),
            col("infusion_stage_date", "effective_date"),
            col("planned_day0_date", "course.planned_day0_date"),
            col("apheresis_stage_date", "apheresis_on"),
            col("lymphodepletion_stage_date", "lymphodepletion_on"),
            col("recorded_by", "changed_by.username"),
            col("recorded_at", "occurred_at"),
        ),
        date_lookup="effective_date",
        date_label=_("infusion date"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)

register(
    Dataset(
        key="assessments",
        label=_("Toxicity assessments"),
        description=_("Bedside assessments: vital signs, ICE, CRS and ICANS grades (ASTCT)."),
        base=lambda: Assessment.objects.select_related(
            "course__patient", "course__product", "recorded_by"
        ).order_by("pk"),
        columns=(
            col("assessment_id", "pk"),
            *COURSE_COLUMNS,
            col("assessed_at", "assessed_at"),
            day_number_column("course", "assessed_at"),
            col("temperature_c", "temperature_c"),
            col("heart_rate_bpm", "heart_rate_bpm"),
            col("systolic_bp_mmhg", "systolic_bp_mmhg"),
            col("diastolic_bp_mmhg", "diastolic_bp_mmhg"),
            col("spo2_percent", "spo2_percent"),
            col("respiratory_rate_per_min", "respiratory_rate_per_min"),
            col("oxygen_device", "oxygen_device"),
            col("oxygen_flow_l_min", "oxygen_flow_l_min"),
            col("hypotension", "hypotension"),
            col("vasopressors", "vasopressors"),
            col("fever_masked", "fever_masked"),
            col("ice_score", "ice_score"),
            col("capd_score", "capd_score"),
            col("consciousness", "consciousness"),
            col("seizure", "seizure"),
            col("motor_weakness", "motor_weakness"),
            col("cerebral_edema", "cerebral_edema"),
            col("crs_grade", "crs_grade"),
            col("crs_reason", "crs_reason"),
            col("icans_grade", "icans_grade"),
            col("icans_reason", "icans_reason"),
            col("recorded_by", "recorded_by.username"),
        ),
        date_lookup="assessed_at__date",
        date_label=_("assessment date"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)

register(
    Dataset(
        key="interventions",
        label=_("Interventions"),
        description=_("Tocilizumab, corticosteroids, anakinra, vasopressors, ICU transfers."),
        base=lambda: Intervention.objects.select_related(
            "course__patient", "course__product", "recorded_by"
        ).order_by("pk"),
        columns=(
            col("intervention_id", "pk"),
            *COURSE_COLUMNS,
            col("kind", "kind"),
            col("given_at", "given_at"),
            day_number_column("course", "given_at"),
            col("drug", "drug"),
            col("dose_mg", "dose_mg"),
            col("route", "route"),
            col("assessment_id", "assessment_id"),
            col("recorded_by", "recorded_by.username"),
        ),
        date_lookup="given_at__date",
        date_label=_("date given"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)

register(
    Dataset(
        key="followup_visits",
        label=_("Follow-up visits"),
        description=_("Visits and contacts: response (Lugano 2014), counts, vital status."),
        base=lambda: FollowUpVisit.objects.select_related(
            "course__patient", "course__product", "scheduled_visit", "recorded_by"
        ).order_by("pk"),
        columns=(
            col("visit_id", "pk"),
            *COURSE_COLUMNS,
            col("scheduled_visit", "scheduled_visit.code"),
            col("visit_date", "visit_date"),
            day_number_column("course", "visit_date"),
            col("contact_type", "contact_type"),
            col("lugano_response", "lugano_response"),
            col("imaging_method", "imaging_method"),
            col("deauville_score", "deauville_score"),
            col("haemoglobin_g_dl", "haemoglobin_g_dl"),
            col("neutrophils_10e9_l", "neutrophils_10e9_l"),
            col("lymphocytes_10e9_l", "lymphocytes_10e9_l"),
            col("platelets_10e9_l", "platelets_10e9_l"),
            col("igg_g_l", "igg_g_l"),
            col("b_cells_per_ul", "b_cells_per_ul"),
            col("car_t_persistence", "car_t_persistence"),
            col("car_t_copies_per_ug_dna", "car_t_copies_per_ug_dna"),
            col("cytopenia_grade", "cytopenia_grade"),
            col("ivig_given", "ivig_given"),
            col("vital_status", "vital_status"),
            col("death_date", "death_date"),
            col("death_cause", "death_cause"),
            col("recorded_by", "recorded_by.username"),
        ),
        date_lookup="visit_date",
        date_label=_("visit date"),
        course_path="course",
        diagnosis_lookup="course__patient__diagnosis",
    )
)

register(
    Dataset(
        key="outcomes",
        label=_("Outcomes"),
        description=_(
            "Per infused course: best response, progression, PFS and OS with censoring "
            "(followup/outcomes.py)."
        ),
        base=registry.outcome_courses,
        columns=tuple(Column(h) for h in registry.OUTCOME_HEADERS),
        row_builder=registry.outcome_row,
        date_lookup="day0_date",
        date_label=_("infusion date"),
        course_path="",
        diagnosis_lookup="patient__diagnosis",
    )
)

register(
    Dataset(
        key="registry",
        label=_("Registry dataset (CIBMTR-like)"),
        description=_(
            "One row per infused course with the fields cellular-therapy registries ask for; "
            "documented field by field in docs/registry_dataset.md."
        ),
        base=registry.registry_courses,
        columns=tuple(Column(h) for h in registry.REGISTRY_HEADERS),
        row_builder=registry.registry_row,
        date_lookup="day0_date",
        date_label=_("infusion date"),
        course_path="",
        diagnosis_lookup="patient__diagnosis",
    )
)

register(
    Dataset(
        key="audit_trail",
        label=_("Audit trail"),
        description=_(
            "Every change to the clinical records: who, when, what type, which record, which "
            "fields changed (field names only, never values)."
        ),
        columns=tuple(Column(h) for h in audit.AUDIT_HEADERS),
        custom_rows=audit.audit_rows,
        custom_count=audit.audit_count,
        date_label=_("date of the change"),
        supported_filters=frozenset({"date_from", "date_to"}),
        roles=frozenset(audit.AUDIT_ROLES),
    )
)
