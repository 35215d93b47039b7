"""Demo follow-up: schedules for every infused course, discharges and early visits for the
courses in follow-up, so the calendar, outcomes and worklists have something to show.

Idempotent: schedules are generated idempotently, a discharge or a visit already recorded
is left alone.
"""

from datetime import date, timedelta

from patients import rules as patient_rules
from patients.models import TreatmentCourse

from . import services
from .models import Discharge, ScheduledVisit, VisitState

# Responses at Day 14 / Day 28 for the demo courses in follow-up, in turn; None: not yet seen
# (the visit is left overdue for the worklist).
DEMO_RESPONSES = [("SD", "PR"), ("PR", None), ("CR", "CR"), ("PD", None)]


def _recorder(staff: dict, course: TreatmentCourse):
    for key in ("ada", "dan"):
        nurse = staff.get(key)
        if nurse is not None and nurse.wards.filter(pk=course.patient.ward_id).exists():
            return nurse
    return staff["ben"]


def seed(*, staff: dict, today: date) -> None:
    infused = TreatmentCourse.objects.filter(day0_date__isnull=False).select_related(
        "patient", "product"
    )
    for course in infused.exclude(stage__in=sorted(patient_rules.TERMINAL_STAGES)):
        services.schedule_generate(course=course, by=staff["ben"])

    in_follow_up = infused.filter(stage=patient_rules.FOLLOW_UP).order_by("patient__mrn")
    for index, course in enumerate(in_follow_up):
        nurse = _recorder(staff, course)
        if not Discharge.objects.filter(course=course).exists():
            services.discharge_record(
                by=nurse,
                course=course,
                discharge_date=min(course.day0_date + timedelta(days=15), today),
                caregiver_name=f"{course.patient.family_name} (family)",
                caregiver_relationship="spouse",
                caregiver_phone="+86 138 0000 0000",
                lodging_address="Hospital guest house, building 3",
                centre_phone="+86 23 6889 0000",
            )
        for code, response in zip(
            ("d14", "d28"), DEMO_RESPONSES[index % len(DEMO_RESPONSES)], strict=True
        ):
            visit = ScheduledVisit.objects.filter(course=course, code=code).first()
            if (
                response is None
                or visit is None
                or visit.visit_state != VisitState.PLANNED
                or visit.target_date > today
            ):
                continue
            services.visit_record(
                by=nurse,
                course=course,
                scheduled_visit=visit,
                visit_date=visit.target_date,
                lugano_response=response,
                imaging_method="pet_ct" if code == "d28" else "ct",
                neutrophils_10e9_l="1.2",
                platelets_10e9_l=88,
                igg_g_l="4.1",
                b_cells_per_ul=0,
                cytopenia_grade=2,
            )
