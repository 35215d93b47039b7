"""Demo monitoring data: assessments every 4 hours since Day 0, one patient with CRS that
rises to grade 2 and gets tocilizumab, and an escalation waiting for the clinician.

Issue 16 item 3: two more patients show that monitoring ends by decision, not by the
calendar: Mrs Qian, Day +16, whose monitoring continues past the 14-day label window because
of grade 2 CRS (graded from her measured pressure, box unticked), and Mr Sima, Day +18,
whose clinician ended monitoring with a signed reason (his course is in follow-up)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from catalogue.models import CarTProduct, Diagnosis
from patients import services as patient_services
from patients import stage_entry
from patients.models import Patient, Stage, TreatmentCourse

from . import ending_service, services

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
    _seed_ward_patients(staff=staff, today=today)
    _seed_past_window(staff=staff, today=today)
    _seed_ended(staff=staff, today=today)
    services.tasks_create_due(now=timezone.now())


def _seed_ward_patients(*, staff: dict, today) -> None:
    _seed_ward_patients(staff=staff, today=today)
    _seed_past_window(staff=staff, today=today)
    _seed_ended(staff=staff, today=today)
    services.tasks_create_due(now=timezone.now())


def _seed_ward_patients(*, staff: dict, today) -> None:
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


WALK = [
    (Stage.SCREENING, 40),
    (Stage.ELIGIBLE, 33),
    (Stage.CONSENTED, 30),
    (Stage.APHERESIS, 23),
    (Stage.MANUFACTURING, 22),
    (Stage.LYMPHODEPLETION, 5),
]


def _demo_course(*, staff: dict, mrn: str, family: str, given: str, day0: date):
    """A patient of ward 7A infused on day0 and handed over to monitoring, as seed_demo
    walks its patients; None when she exists already (the demo is idempotent)."""
    if Patient.objects.filter(mrn=mrn).exists():
        return None
    ward = staff["ada"].wards.order_by("pk").first()
    patient = patient_services.patient_register(
        by=staff["ben"],
        mrn=mrn,
        family_name=family,
        given_name=given,
        date_of_birth=date(day0.year - 58, 3, 14),
        sex="F" if family == "Qian" else "M",
        weight_kg=Decimal("61"),
        height_cm=Decimal("165"),
        diagnosis=Diagnosis.LBCL,
        ward=ward,
        attending_clinician=staff["ben"],
    )
    course = patient_services.course_open(
        by=staff["ben"],
        patient=patient,
        product=CarTProduct.objects.get(code="axi-cel"),
        referred_on=day0 - timedelta(days=45),
    )
    for stage, days_before in WALK:
        if stage == Stage.LYMPHODEPLETION:
            patient_services.course_set_planned_day0(
                by=staff["ben"], course=course, planned_day0_date=day0
            )
        _enter_with_demo_record(
            by=staff["ben"], course=course, stage=stage, on=day0 - timedelta(days=days_before)
        )
    for stage in (Stage.INFUSION, Stage.MONITORING):
        _enter_with_demo_record(by=staff["ben"], course=course, stage=stage, on=day0)
    course.refresh_from_db()
    return course


def _enter_with_demo_record(*, by, course, stage, on) -> None:
    """The stage's evidence as the owning app's demo rows, then the guarded entry."""
    stage_entry.demo_evidence(stage, course=course, by=by, on=on)
    patient_services.course_enter_stage(by=by, course=course, to_stage=stage, effective_date=on)


def _assess_every(course, nurse, *, start, end, hours, values) -> None:
    moment = start
    while moment < end:
        services.assessment_record(by=nurse, course=course, assessed_at=moment, **values(moment))
        moment += timedelta(hours=hours)


def _seed_past_window(*, staff: dict, today) -> None:
    """Day +16 with CRS grade 2 since Day +13: monitoring continues past the window."""
    day0 = today - timedelta(days=16)
    course = _demo_course(staff=staff, mrn="CQ200001", family="Qian", given="Hui", day0=day0)
    if course is None:
        return
    start = timezone.make_aware(datetime.combine(day0, time(10, 0)))
    crs_from = start + timedelta(days=13)

    def values(moment):
        if moment < crs_from:
            return {**CALM, "temperature_c": Decimal("37.0")}
        # The nurse left "hypotension" unticked; 84/50 is graded as hypotension (vitals.py).
        return {
            **CALM,
            "temperature_c": Decimal("38.7"),
            "heart_rate_bpm": 118,
            "systolic_bp_mmhg": 84,
            "diastolic_bp_mmhg": 50,
        }

    end = timezone.now() - timedelta(minutes=40)
    _assess_every(course, staff["ada"], start=start, end=end, hours=12, values=values)
    services.intervention_record(
        by=staff["ben"], course=course, kind="tocilizumab", given_at=crs_from + timedelta(hours=1)
    )


def _seed_ended(*, staff: dict, today) -> None:
    """Day +18, well since Day 0: Dr Ben ended monitoring, signed, with a reason."""
    day0 = today - timedelta(days=18)
    course = _demo_course(staff=staff, mrn="CQ200002", family="Sima", given="Tao", day0=day0)
    if course is None:
        return
    start = timezone.make_aware(datetime.combine(day0, time(10, 0)))
    end = timezone.now() - timedelta(hours=1)
    _assess_every(
        course,
        staff["ada"],
        start=start,
        end=end,
        hours=12,
        values=lambda moment: {**CALM, "temperature_c": Decimal("36.9"), **ICE_10},
    )
    clinician = staff["ben"]
    # Demo only: a signature re-authenticates the signer (authenticate(), as at login), and
    # seed_demo may have made the passwords random. Set a known one for this one signature,
    # then put the stored hash back, so the demo login is what seed_demo printed.
    password = "demo-signature"  # noqa: S105
    stored_hash = clinician.password
    clinician.set_password(password)
    clinician.save(update_fields=["password"])
    try:
        ending_service.monitoring_end(
            by=clinician,
            course=course,
            reason="Afebrile with grades 0 throughout; no tocilizumab or steroids; label "
            "window over. Discharged home with a caregiver.",
            password=password,
        )
    finally:
        clinician.password = stored_hash
        clinician.save(update_fields=["password"])
