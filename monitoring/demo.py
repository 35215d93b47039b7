"""Demo monitoring data: assessments every 4 hours since Day 0, one patient with CRS that
rises to grade 2 and gets tocilizumab, and an escalation waiting for the clinician."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from patients.models import Stage, TreatmentCourse

from . import services

CALM = {
    "heart_rate_bpm": 84,
    "systolic_bp_mmhg": 124,
    "diastolic_bp_mmhg": 76,
    "spo2_percent": 97,
    "respiratory_rate_per_min": 16,
    "oxygen_device": "room_air",
}
ICE_10 = {
    "neuro_assessed": True,
    "ice_orientation": 4,
    "ice_naming": 3,
    "ice_commands": 1,
    "ice_writing": 1,
    "ice_attention": 1,
    "consciousness": "alert",
}


def seed(*, staff: dict, today) -> None:
    courses = (
        TreatmentCourse.objects.filter(
            stage=Stage.MONITORING, day0_date__gte=today - timedelta(days=13)
        )
        .select_related("patient__ward")
        .order_by("pk")
    )
    now = timezone.now()
    for index, course in enumerate(courses):
        if course.assessments.exists():
            continue
        nurse = next(
            (
                u
                for u in (staff["ada"], staff["dan"])
                if u.wards.filter(pk=course.patient.ward_id).exists()
            ),
            staff["ben"],
        )
        moment = timezone.make_aware(datetime.combine(course.day0_date, time(10, 0)))
        step = 0
        while moment < now - timedelta(minutes=40):
            feverish = index == 0 and step >= 4
            values = {**CALM, "temperature_c": Decimal("37.1")}
            if feverish:
                values.update(temperature_c=Decimal("38.9"), heart_rate_bpm=112)
            if index == 0 and step >= 6:
                values.update(systolic_bp_mmhg=88, diastolic_bp_mmhg=52, hypotension=True)
            if step % 3 == 0:
                values.update(ICE_10)
            assessment = services.assessment_record(
                by=nurse, course=course, assessed_at=moment, **values
            )
            if index == 0 and step == 6:
                services.intervention_record(
                    by=nurse,
                    course=course,
                    kind="tocilizumab",
                    given_at=moment + timedelta(minutes=20),
                    assessment=assessment,
                )
            moment += timedelta(hours=4)
            step += 1
    services.tasks_create_due(now=now)
