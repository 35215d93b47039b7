"""Demo data for bridging, lymphodepletion and the gate (idempotent), through the services:
bridging on the courses in bridging, a planned Day 0 and a plan waiting for the pharmacist on
the courses in manufacturing, and a Day 0 today with tocilizumab confirmed on the courses in
lymphodepletion (their gate then shows what is still missing)."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.models import Stage, TreatmentCourse

from . import selectors, services
from .models import BridgingTherapy, TocilizumabStockCheck

# The demo's latest creatinine, drawn today: the plan computes Cockcroft–Gault from it.
DEMO_CREATININE_UMOL_L = Decimal("80")


def seed(*, staff: dict, today) -> None:
    ben, pan = staff["ben"], staff["pan"]
    for course in TreatmentCourse.objects.filter(stage=Stage.BRIDGING).order_by("pk"):
        if not BridgingTherapy.objects.filter(course=course).exists():
            services.bridging_record(
                by=ben,
                course=course,
                regimen="R-GemOx, 2 cycles",
                started_on=today - timedelta(days=20),
                ended_on=today - timedelta(days=3),
                response="PR",
            )
    for index, course in enumerate(
        TreatmentCourse.objects.filter(stage=Stage.MANUFACTURING).order_by("pk")[:2]
    ):
        if course.planned_day0_date is None or course.planned_day0_date < today + timedelta(5):
            try:
                services.day0_change(
                    by=ben,
                    course=course,
                    new_date=today + timedelta(days=7 + index),
                    reason="" if course.planned_day0_date is None else "Demo: new slot",
                )
            except ValidationError:
                continue
            course.refresh_from_db()
        if selectors.plan_for(course) is None:
            try:
                services.plan_create(
                    by=ben,
                    course=course,
                    creatinine=DEMO_CREATININE_UMOL_L,
                    creatinine_drawn_on=timezone.localdate(),
                )
            except ValidationError:
                continue  # no regimen in the catalogue for this product and diagnosis
    for course in TreatmentCourse.objects.filter(stage=Stage.LYMPHODEPLETION).order_by("pk"):
        if course.planned_day0_date is None or course.planned_day0_date < today:
            services.day0_change(
                by=ben,
                course=course,
                new_date=today,
                reason="" if course.planned_day0_date is None else "Demo: infusion today",
            )
        if not TocilizumabStockCheck.objects.filter(course=course).exists():
            services.stock_confirm(by=pan, course=course, doses_available=2)
