"""Reads of patients and courses, always through the role rules (core.permissions)."""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from core.permissions import can_read_patients, reads_whole_programme

from . import rules
from .days import day_label
from .models import Patient, Stage, StageEvent, TreatmentCourse, WardTransfer


def patients_visible_to(user) -> QuerySet[Patient]:
    """Every patient the user may see: the programme, or a nurse's own wards."""
    if not can_read_patients(user):
        return Patient.objects.none()
    # A record merged into another (ADT^A40) is no longer a patient of its own.
    patients = Patient.objects.filter(merged_into__isnull=True).select_related(
        "ward", "attending_clinician"
    )
    if reads_whole_programme(user):
        return patients
    return patients.filter(ward__in=user.wards.all())


def patients_matching(patients: QuerySet[Patient], q: str) -> QuerySet[Patient]:
    """A name or MRN search (the trigram indexes of migration 0003 serve it on PostgreSQL)."""
    return patients.filter(
        Q(mrn__iexact=q)
        | Q(mrn__istartswith=q)
        | Q(family_name__icontains=q)
        | Q(given_name__icontains=q)
    )


# The list's order: by name.
NAME_ORDER = ("family_name", "given_name", "mrn")
# A search's matches in the same order, sorted by an expression equal to the family name (the
# column is NOT NULL) that no index provides. With the plain columns PostgreSQL walks the name
# b-tree in order and tests every patient until 50 match ("Wang" at 10,000 patients: 7,700
# rows read and thrown away, more as the programme grows); with this, one statement finds the
# matches by the trigram and MRN indexes' bitmap (as the count does) and sorts only them, so
# its cost follows the number of matches, not of patients (issue 20 item 3). A term matching
# most patients costs a sort of its matches, the same order of work as the page's count.
MATCHES_BY_NAME = (Coalesce("family_name", Value("")), "given_name", "mrn")


def patients_search_page(patients: QuerySet[Patient], q: str) -> QuerySet[Patient]:
    """The patients matching a search, sorted by name for a page (MATCHES_BY_NAME)."""
    return patients_matching(patients, q).order_by(*MATCHES_BY_NAME)


def patients_in_stage(patients: QuerySet[Patient], stage: str) -> QuerySet[Patient]:
    """Patients with a course in this stage: a semi-join on the (stage, patient) index, so
    no DISTINCT over the patients table."""
    return patients.filter(
        Exists(TreatmentCourse.objects.filter(patient=OuterRef("pk"), stage=stage))
    )


def user_can_see_patient(user, patient: Patient) -> bool:
    return patients_visible_to(user).filter(pk=patient.pk).exists()


def patient_for_user(user, pk) -> Patient:
    """The patient, or 404 whether it does not exist or the user may not see it."""
    try:
        return patients_visible_to(user).get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def courses_visible_to(user) -> QuerySet[TreatmentCourse]:
    return TreatmentCourse.objects.filter(
        patient__in=patients_visible_to(user).values("pk")
    ).select_related("patient", "product", "patient__ward")


def course_for_user(user, pk) -> TreatmentCourse:
    try:
        return courses_visible_to(user).get(pk=pk)
    except (TreatmentCourse.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def patient_courses_with_timeline(patient: Patient) -> QuerySet[TreatmentCourse]:
    events = StageEvent.objects.select_related("changed_by").order_by("occurred_at", "id")
    return (
        patient.courses.select_related("product", "created_by")
        .prefetch_related(Prefetch("stage_events", queryset=events))
        .order_by("-referred_on", "-id")
    )


def stage_counts(courses: QuerySet[TreatmentCourse]) -> list[tuple[str, str, int]]:
    """(stage, label, count) for every stage, in workflow order, zero included."""
    counts = dict(courses.order_by().values_list("stage").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in Stage.choices]


def current_courses(patient_ids) -> dict:
    """For each patient, the course under way, or else the most recent one."""
    chosen: dict = {}
    courses = (
        TreatmentCourse.objects.filter(patient_id__in=patient_ids)
        .select_related("product")
        .order_by("patient_id", "-referred_on", "-id")
    )
    for course in courses:
        best = chosen.get(course.patient_id)
        if best is None or (course.is_open and not best.is_open):
            chosen[course.patient_id] = course
    return chosen


def course_timeline(course: TreatmentCourse) -> list[dict]:
    """The course's stage events with their day number relative to (planned) Day 0."""
    day0 = course.day0_reference
    rows = []
    for event in course.stage_events.all():
        n = rules.day_number(day0=day0, on=event.effective_date) if day0 else None
        rows.append(
            {
                "event": event,
                "day_number": n,
                "day_label": day_label(n) if n is not None else "",
            }
        )
    return rows


def bsa_summary(patient: Patient) -> dict:
    """BSA for the chart, with the institution's cap and warning (clinical reference §4)."""
    bsa = patient.body_surface_area_m2
    cap = settings.BSA_CAP_M2
    return {
        "bsa_m2": round(bsa, 2),
        "capped_m2": round(min(bsa, cap), 2) if cap and bsa > cap else None,
        "warn": bsa > settings.BSA_WARN_ABOVE_M2,
        "warn_above_m2": settings.BSA_WARN_ABOVE_M2,
    }


def patient_ward_timeline(patient: Patient) -> QuerySet[WardTransfer]:
    """The patient's ward moves, oldest first (the chart's ward timeline)."""
    return patient.ward_transfers.select_related("from_ward", "to_ward", "recorded_by").order_by(
        "transferred_at", "id"
    )
