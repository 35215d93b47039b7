from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.versioning import StaleEditError
from patients import rules, services
from patients.models import Patient, StageEvent, TreatmentCourse
from tests.factories import course_at_stage, product
from tests.infusion.helpers import record_passed_gate

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def register(by, ward, clinician, **overrides):
    fields = dict(
        mrn="CQ900001",
        family_name="Huang",
        given_name="Min",
        date_of_birth=date(1961, 4, 2),
        sex="M",
        weight_kg=Decimal("68.5"),
        height_cm=Decimal("171.0"),
        diagnosis="LBCL",
        ward=ward,
        attending_clinician=clinician,
    )
    fields.update(overrides)
    return services.patient_register(by=by, **fields)


class TestPatientRegister:
    def test_clinician_registers_with_history(self, dr_ben, ward_7a):
        patient = register(dr_ben, ward_7a, dr_ben)
        assert patient.pk and patient.version == 1
        assert round(patient.body_surface_area_m2, 2) == 1.8
        record = patient.history.get()
        assert record.history_type == "+" and record.history_user == dr_ben

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"date_of_birth": date(2026, 6, 16)}, "date_of_birth"),
            ({"weight_kg": Decimal("-3")}, "weight_kg"),
            ({"height_cm": Decimal("20")}, "height_cm"),
            ({"diagnosis": "XYZ"}, "diagnosis"),
            ({"mrn": ""}, "mrn"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_saved(self, dr_ben, ward_7a, overrides, field):
        with pytest.raises(ValidationError) as error:
            register(dr_ben, ward_7a, dr_ben, **overrides)
        assert field in error.value.message_dict
        assert not Patient.objects.exists()

    def test_attending_must_be_a_clinician(self, dr_ben, nurse_ada, ward_7a):
        with pytest.raises(ValidationError) as error:
            register(dr_ben, ward_7a, nurse_ada)
        assert "attending_clinician" in error.value.message_dict

    def test_duplicate_mrn_is_refused(self, dr_ben, ward_7a):
        register(dr_ben, ward_7a, dr_ben)
        with pytest.raises(ValidationError) as error:
            register(dr_ben, ward_7a, dr_ben, family_name="Other")
        assert "mrn" in error.value.message_dict
        assert Patient.objects.count() == 1

    @pytest.mark.parametrize(
        "persona", ["nurse", "pharmacist", "administrator", "auditor", "apheresis_coordinator"]
    )
    def test_only_clinicians_register(self, personas, ward_7a, dr_ben, persona):
        with pytest.raises(PermissionDenied):
            register(personas[persona], ward_7a, dr_ben)
        assert not Patient.objects.exists()


class TestPatientUpdate:
    def test_update_bumps_version_and_keeps_history(self, dr_ben, patient_7a):
        updated = services.patient_update(
            by=dr_ben, patient=patient_7a, expected_version=1, weight_kg=Decimal("64.0")
        )
        assert updated.version == 2 and updated.weight_kg == Decimal("64.0")
        old, new = updated.history.order_by("history_date")[:2]
        assert old.weight_kg == Decimal("70.0") and new.weight_kg == Decimal("64.0")
        assert new.history_user == dr_ben

    def test_stale_version_is_refused_with_who_and_when(self, dr_ben, patient_7a):
        services.patient_update(
            by=dr_ben, patient=patient_7a, expected_version=1, weight_kg=Decimal("64.0")
        )
        with pytest.raises(StaleEditError) as error:
            services.patient_update(
                by=dr_ben, patient=patient_7a, expected_version=1, weight_kg=Decimal("80.0")
            )
        message = error.value.messages[0]
        assert "Ben Li" in message and "Reload" in message
        patient_7a.refresh_from_db()
        assert patient_7a.weight_kg == Decimal("64.0")


class TestCourseOpen:
    def test_opens_at_referred_with_first_event(self, dr_ben, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 6, 1)
        )
        assert course.stage == rules.REFERRED
        event = course.stage_events.get()
        assert (event.from_stage, event.to_stage, event.changed_by) == ("", "referred", dr_ben)

    def test_one_course_under_way_per_patient(self, dr_ben, patient_7a):
        services.course_open(by=dr_ben, patient=patient_7a, product=product())
        with pytest.raises(ValidationError):
            services.course_open(by=dr_ben, patient=patient_7a, product=product("tisa-cel"))
        assert TreatmentCourse.objects.count() == 1

    def test_a_new_course_after_the_first_ended(self, dr_ben, patient_7a):
        first = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        services.course_change_stage(
            by=dr_ben, course=first, to_stage="withdrawn", reason="Changed mind"
        )
        second = services.course_open(by=dr_ben, patient=patient_7a, product=product("liso-cel"))
        assert second.stage == "referred"

    def test_future_referral_is_refused(self, dr_ben, patient_7a):
        with pytest.raises(ValidationError):
            services.course_open(
                by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 7, 1)
            )


def walk(course, by, path):
    """Put the course at a stage as rows (the evidence of each stage is not the point here)."""
    for stage in path:
        if stage == "infusion":
            record_passed_gate(course, on=TODAY, by=by)
        course_at_stage(by=by, course=course, to_stage=stage, reason="step")


PATH_TO = {
    "referred": [],
    "screening": ["screening"],
    "eligible": ["screening", "eligible"],
    "not_eligible": ["screening", "not_eligible"],
    "consented": ["screening", "eligible", "consented"],
    "apheresis": ["screening", "eligible", "consented", "apheresis"],
    "manufacturing": ["screening", "eligible", "consented", "apheresis", "manufacturing"],
    "bridging": ["screening", "eligible", "consented", "apheresis", "manufacturing", "bridging"],
    "lymphodepletion": [
        "screening",
        "eligible",
        "consented",
        "apheresis",
        "manufacturing",
        "lymphodepletion",
    ],
    "infusion": [
        "screening",
        "eligible",
        "consented",
        "apheresis",
        "manufacturing",
        "lymphodepletion",
        "infusion",
    ],
    "monitoring": [
        "screening",
        "eligible",
        "consented",
        "apheresis",
        "manufacturing",
        "lymphodepletion",
        "infusion",
        "monitoring",
    ],
    "follow_up": [
        "screening",
        "eligible",
        "consented",
        "apheresis",
        "manufacturing",
        "lymphodepletion",
        "infusion",
        "monitoring",
        "follow_up",
    ],
}
SERVICE_PAIRS = [
    (src, dst)
    for src, targets in rules.ALLOWED_TRANSITIONS.items()
    if src in PATH_TO
    for dst in sorted(targets)
]


class TestCourseChangeStage:
    @pytest.mark.parametrize(("src", "dst"), SERVICE_PAIRS)
    def test_every_allowed_transition(self, dr_ben, patient_7a, src, dst):
        """The generic change makes the moves that need no record (withdrawn, deceased, back a
        stage) and refuses every other, pointing to the page that records the evidence."""
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
        )
        walk(course, dr_ben, PATH_TO[src])
        if not rules.is_evidence_free_move(src, dst):
            events_before = StageEvent.objects.count()
            with pytest.raises(ValidationError, match="only when its record is saved") as error:
                services.course_change_stage(
                    by=dr_ben, course=course, to_stage=dst, reason="documented reason"
                )
            assert error.value.code == "evidence"
            course.refresh_from_db()
            assert course.stage == src and StageEvent.objects.count() == events_before
            return
        event = services.course_change_stage(
            by=dr_ben, course=course, to_stage=dst, reason="documented reason"
        )
        course.refresh_from_db()
        assert course.stage == dst
        assert (event.from_stage, event.to_stage, event.changed_by) == (src, dst, dr_ben)
        assert event.reason == "documented reason"

    @pytest.mark.parametrize(
        ("src", "dst"),
        [
            ("referred", "consented"),
            ("screening", "infusion"),
            ("consented", "monitoring"),
            ("monitoring", "screening"),
            ("follow_up", "referred"),
        ],
    )
    def test_refused_transition_changes_nothing(self, dr_ben, patient_7a, src, dst):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
        )
        walk(course, dr_ben, PATH_TO[src])
        events_before = StageEvent.objects.count()
        history_before = course.history.count()
        with pytest.raises(ValidationError) as error:
            services.course_change_stage(by=dr_ben, course=course, to_stage=dst, reason="x")
        assert "cannot go from" in error.value.messages[0]
        course.refresh_from_db()
        assert course.stage == src
        assert StageEvent.objects.count() == events_before
        assert course.history.count() == history_before

    def test_ended_course_cannot_move(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        services.course_change_stage(by=dr_ben, course=course, to_stage="deceased", reason="Sepsis")
        with pytest.raises(ValidationError, match="ended"):
            services.course_change_stage(by=dr_ben, course=course, to_stage="screening")

    def test_withdrawal_needs_a_reason(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        with pytest.raises(ValidationError, match="needs a reason"):
            services.course_change_stage(by=dr_ben, course=course, to_stage="withdrawn")
        course.refresh_from_db()
        assert course.stage == "referred"

    def test_nurse_of_another_ward_is_refused(self, dr_ben, nurse_dan, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
        )
        walk(course, dr_ben, PATH_TO["lymphodepletion"])
        with pytest.raises(PermissionDenied):
            services.course_change_stage(by=nurse_dan, course=course, to_stage="infusion")

    def test_ward_nurse_cannot_start_infusion_by_hand(self, dr_ben, nurse_ada, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
        )
        walk(course, dr_ben, PATH_TO["lymphodepletion"])
        record_passed_gate(course, on=TODAY, by=dr_ben)
        with pytest.raises(ValidationError, match="Infusion page"):
            services.course_change_stage(
                by=nurse_ada, course=course, to_stage="infusion", effective_date=TODAY
            )
        course.refresh_from_db()
        assert course.day0_date is None and course.stage == "lymphodepletion"

    def test_pharmacist_cannot_move_a_course(self, dr_ben, pharmacist_pan, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        with pytest.raises(ValidationError, match="role"):
            services.course_change_stage(by=pharmacist_pan, course=course, to_stage="screening")

    def test_dates_cannot_be_in_the_future_or_before_the_last_change(self, dr_ben, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 6, 10)
        )
        with pytest.raises(ValidationError, match="future"):
            services.course_change_stage(
                by=dr_ben,
                course=course,
                to_stage="withdrawn",
                reason="Declined",
                effective_date=date(2026, 6, 16),
            )
        with pytest.raises(ValidationError, match="before the previous"):
            services.course_change_stage(
                by=dr_ben,
                course=course,
                to_stage="withdrawn",
                reason="Declined",
                effective_date=date(2026, 6, 9),
            )

    def test_course_history_records_the_reason(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        services.course_change_stage(
            by=dr_ben, course=course, to_stage="withdrawn", reason="Moved to another province"
        )
        latest = course.history.order_by("-history_id").first()
        assert latest.stage == "withdrawn"
        assert latest.history_change_reason == "Moved to another province"
        assert latest.history_user == dr_ben


class TestPlannedDay0:
    def test_planned_day0_counts_pre_infusion_days(self, dr_ben, patient_7a):
        from patients.selectors import course_timeline

        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 6, 10)
        )
        services.course_set_planned_day0(
            by=dr_ben, course=course, planned_day0_date=date(2026, 6, 15)
        )
        rows = course_timeline(course)
        assert rows[0]["day_label"] == "Day \u22125"

    def test_only_clinicians_plan_day0(self, dr_ben, nurse_ada, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        with pytest.raises(PermissionDenied):
            services.course_set_planned_day0(
                by=nurse_ada, course=course, planned_day0_date=date(2026, 6, 20)
            )


class TestReasonForChange:
    def test_a_patient_in_treatment_needs_a_reason_kept_with_the_history(self, dr_ben, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
        )
        walk(course, dr_ben, PATH_TO["consented"])
        with pytest.raises(ValidationError) as error:
            services.patient_update(
                by=dr_ben, patient=patient_7a, expected_version=1, weight_kg=Decimal("61.0")
            )
        assert "reason" in error.value.message_dict
        patient_7a.refresh_from_db()
        assert patient_7a.weight_kg == Decimal("70.0")
        services.patient_update(
            by=dr_ben,
            patient=patient_7a,
            expected_version=1,
            weight_kg=Decimal("61.0"),
            reason="Weighed on admission for lymphodepletion",
        )
        latest = patient_7a.history.order_by("-history_id").first()
        assert latest.history_change_reason == "Weighed on admission for lymphodepletion"

    def test_before_consent_no_reason_is_asked(self, dr_ben, patient_7a):
        services.course_open(by=dr_ben, patient=patient_7a, product=product())
        services.patient_update(
            by=dr_ben, patient=patient_7a, expected_version=1, weight_kg=Decimal("61.0")
        )
