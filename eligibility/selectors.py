"""Reads for screening: the catalogue's rows as rule data, evaluations, worklists.

Object access goes through patients.selectors (course_for_user, courses_visible_to), so a
course a user may not see is a 404 here exactly as on the patient pages.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from catalogue import selectors as catalogue_selectors
from catalogue.models import CarTProduct, ProductIndication
from patients import rules as course_rules
from patients.models import TreatmentCourse
from patients.selectors import courses_visible_to

from . import rules
from .lab_services import SCREENING_LABS
from .models import (
    ConsentRecord,
    MdtDecision,
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
)

WORKLIST_STAGES = (course_rules.REFERRED, course_rules.SCREENING, course_rules.ELIGIBLE)


def indication_rule(row: ProductIndication) -> rules.Indication:
    """A catalogue indication row as the eligibility rules read it."""
    return rules.Indication(
        diagnosis=row.diagnosis,
        description=row.description,
        min_prior_lines=row.min_prior_lines,
        first_line_relapse_within_months=row.first_line_relapse_within_months,
        post_transplant_rule=row.post_transplant_rule,
        min_age_years=row.min_age_years,
        max_age_years=row.max_age_years,
        ecog_max=row.ecog_max,
        required_prior_drug_classes=tuple(row.required_prior_drug_classes),
        requires_lenalidomide_refractory=row.requires_lenalidomide_refractory,
        requires_refractory_or_second_relapse=row.requires_refractory_or_second_relapse,
        last_line_relapse_within_months=row.last_line_relapse_within_months,
        first_line_required_drug_classes=tuple(row.first_line_required_drug_classes),
    )


def product_rules(product: CarTProduct) -> rules.Product:
    return rules.Product(
        code=product.code,
        short_name=product.short_name,
        indications=tuple(
            indication_rule(i) for i in catalogue_selectors.active_indications(product)
        ),
    )


def _none_if_blank(value):
    return None if value == "" else value


def screening_input(assessment: ScreeningAssessment) -> rules.Screening:
    a = assessment
    return rules.Screening(
        assessed_on=a.assessed_on,
        date_of_birth=a.course.patient.date_of_birth,
        diagnosis=_none_if_blank(a.diagnosis),
        prior_lines=tuple(
            rules.PriorLine(
                line_number=line.line_number,
                start_date=line.start_date,
                end_date=line.end_date,
                best_response=_none_if_blank(line.best_response),
                progression_date=line.progression_date,
                drug_classes=tuple(line.drug_classes or ()),
                regimen=line.regimen,
            )
            for line in sorted(a.prior_lines.all(), key=lambda x: x.line_number)
        ),
        prior_autologous_transplant=a.prior_autologous_transplant,
        transplant_outcome=_none_if_blank(a.transplant_outcome),
        transplant_candidate=a.transplant_candidate,
        lenalidomide_refractory=a.lenalidomide_refractory,
        ecog=a.ecog,
        crcl_ml_min=a.crcl_ml_min,
        bilirubin_mg_dl=a.bilirubin_mg_dl,
        alt_u_l=a.alt_u_l,
        alt_uln_u_l=a.alt_uln_u_l,
        ast_u_l=a.ast_u_l,
        ast_uln_u_l=a.ast_uln_u_l,
        lvef_percent=a.lvef_percent,
        spo2_percent=a.spo2_percent,
        haemoglobin_g_dl=a.haemoglobin_g_dl,
        platelets_10e9_l=a.platelets_10e9_l,
        anc_10e9_l=a.anc_10e9_l,
        alc_10e9_l=a.alc_10e9_l,
        ldh_u_l=a.ldh_u_l,
        ldh_uln_u_l=a.ldh_uln_u_l,
        ferritin_ng_ml=a.ferritin_ng_ml,
        crp_mg_dl=a.crp_mg_dl,
        largest_lesion_cm=a.largest_lesion_cm,
        cns_involvement=a.cns_involvement,
        active_infection=a.active_infection,
        hbv=_none_if_blank(a.hbv),
        hcv=_none_if_blank(a.hcv),
        hiv=_none_if_blank(a.hiv),
        pregnancy=_none_if_blank(a.pregnancy),
    )


def washout_input(assessment: ScreeningAssessment) -> tuple[rules.WashoutTherapy, ...]:
    return tuple(
        rules.WashoutTherapy(w.therapy_class, w.last_dose_date, w.description)
        for w in assessment.washout_therapies.all()
    )


@dataclass(frozen=True)
class Evaluation:
    result: rules.EligibilityResult
    risks: rules.RiskPanel
    washouts: tuple[rules.WashoutCheck, ...]
    earliest_apheresis: date | None
    thresholds: Mapping[str, rules.Threshold]
    indication: ProductIndication | None


def evaluate(
    assessment: ScreeningAssessment,
    *,
    threshold_table: Mapping[str, rules.Threshold] | None = None,
    on: date | None = None,
) -> Evaluation:
    """Run the pure rules on a saved screening with the product's catalogue data."""
    table = threshold_table if threshold_table is not None else catalogue_selectors.thresholds()
    product = assessment.course.product
    screening = screening_input(assessment)
    result = rules.evaluate_eligibility(screening, product_rules(product), table)
    washouts = rules.washout_checks(
        washout_input(assessment), on=on or timezone.localdate(), thresholds=table
    )
    indication = None
    if result.indication is not None:
        rows = catalogue_selectors.active_indications(product)
        indication = next((i for i in rows if indication_rule(i) == result.indication), None)
    return Evaluation(
        result=result,
        risks=rules.outcome_risks(screening, table),
        washouts=washouts,
        earliest_apheresis=rules.earliest_apheresis_date(washouts),
        thresholds=table,
        indication=indication,
    )


def _assessment_queryset() -> QuerySet[ScreeningAssessment]:
    return ScreeningAssessment.objects.select_related(
        "course__patient", "course__product", "created_by", "updated_by"
    ).prefetch_related(
        Prefetch("prior_lines", queryset=PriorLine.objects.order_by("line_number")),
        "washout_therapies",
        Prefetch(
            "course__product__indications",
            queryset=catalogue_selectors.active_indications_prefetch(),
        ),
    )


def screening_for_course(course: TreatmentCourse) -> ScreeningAssessment | None:
    return _assessment_queryset().filter(course=course).first()


def screenings_visible_to(user) -> QuerySet[ScreeningAssessment]:
    return _assessment_queryset().filter(course__in=courses_visible_to(user).values("pk"))


def decisions_visible_to(user) -> QuerySet[MdtDecision]:
    return MdtDecision.objects.filter(
        course__in=courses_visible_to(user).values("pk")
    ).select_related("decided_by", "course")


def consents_visible_to(user) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(
        course__in=courses_visible_to(user).values("pk")
    ).select_related("explained_by", "recorded_by", "course")


def consent_for_user(user, pk) -> ConsentRecord:
    try:
        return consents_visible_to(user).get(pk=pk)
    except (ConsentRecord.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def course_decisions(course: TreatmentCourse) -> QuerySet[MdtDecision]:
    return course.mdt_decisions.select_related("decided_by").order_by("-recorded_at", "-id")


def course_consents(course: TreatmentCourse) -> QuerySet[ConsentRecord]:
    return course.consents.select_related("explained_by", "recorded_by").order_by(
        "-consented_on", "-id"
    )


def washout_therapies_for_course(course: TreatmentCourse) -> list[rules.WashoutTherapy]:
    """Recent therapies recorded at screening, for the apheresis washout checks."""
    return [
        rules.WashoutTherapy(w.therapy_class, w.last_dose_date, w.description)
        for w in WashoutTherapy.objects.filter(assessment__course=course).order_by(
            "last_dose_date", "id"
        )
    ]


def worklist(user, stages=WORKLIST_STAGES) -> list[dict]:
    """Courses before consent, with their screening result, for the clinicians' worklist."""
    courses = (
        courses_visible_to(user)
        .filter(stage__in=stages)
        .select_related("screening", "patient__attending_clinician")
        .prefetch_related(
            Prefetch("screening__prior_lines", queryset=PriorLine.objects.all()),
            Prefetch(
                "product__indications", queryset=catalogue_selectors.active_indications_prefetch()
            ),
        )
        .order_by("referred_on", "id")
    )
    table = catalogue_selectors.thresholds()
    rows = []
    for course in courses:
        assessment = getattr(course, "screening", None) if _has_screening(course) else None
        result = None
        if assessment is not None:
            result = rules.evaluate_eligibility(
                screening_input(assessment), product_rules(course.product), table
            ).overall
        rows.append({"course": course, "assessment": assessment, "result": result})
    return rows


def _has_screening(course: TreatmentCourse) -> bool:
    try:
        course.screening  # noqa: B018 (reverse one-to-one: raises when there is none)
    except ScreeningAssessment.DoesNotExist:
        return False
    return True


def lab_rows(assessment: ScreeningAssessment | None) -> list[dict]:
    """The screening's laboratory values, each with its field (for the lab-system badge)."""
    if assessment is None:
        return []
    return [
        {
            "field": field,
            "label": ScreeningAssessment._meta.get_field(field).verbose_name,
            "value": getattr(assessment, field),
        }
        for field, _quantity, _places in SCREENING_LABS.values()
    ]


# --- The clinician's work list (issue 17) --------------------------------------------------


def mdt_decisions_due(user) -> list[dict]:
    """Courses in screening whose screening gives a result (eligible or not): the MDT
    decides next. A screening still incomplete waits for its results, not for the MDT."""
    done = (rules.ELIGIBLE, rules.NOT_ELIGIBLE)
    return [
        row for row in worklist(user, stages=(course_rules.SCREENING,)) if row["result"] in done
    ]


def consents_to_take(user) -> QuerySet[TreatmentCourse]:
    """Courses the MDT approved (eligible), waiting for the patient's consent."""
    return (
        courses_visible_to(user)
        .filter(stage=course_rules.ELIGIBLE)
        .select_related("patient", "product")
        .order_by("referred_on", "id")
    )
