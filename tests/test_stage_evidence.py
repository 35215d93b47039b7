"""Every forward stage is entered only with its evidence (issue 15, item 1).

For every stage S a course enters on a record, a course in the stage before S without S's
record cannot reach S by any path — the patient page's stage form, the API, the admin change
form, course_change_stage and course_enter_stage in the shell — and each refusal leaves the
course's stage and timeline as they were. With the record written, the entry goes through.
The owning services themselves (screening_start, decision_record, consent_record,
collection_record, custody_record, bridging_record, lymphodepletion_start, infusion_record,
monitoring_end, follow_up_end) are tested end to end in each app's test_services.py.
"""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patients import rules, services, stage_entry
from patients.models import StageEvent, TreatmentCourse
from tests.factories import PatientFactory, course_at_stage, product
from tests.infusion.helpers import record_passed_gate

pytestmark = pytest.mark.django_db

# The stage a course is in just before it enters each guarded stage (bridging is optional:
# lymphodepletion follows manufacturing directly).
BEFORE = {
    rules.SCREENING: rules.REFERRED,
    rules.ELIGIBLE: rules.SCREENING,
    rules.NOT_ELIGIBLE: rules.SCREENING,
    rules.CONSENTED: rules.ELIGIBLE,
    rules.APHERESIS: rules.CONSENTED,
    rules.MANUFACTURING: rules.APHERESIS,
    rules.BRIDGING: rules.MANUFACTURING,
    rules.LYMPHODEPLETION: rules.MANUFACTURING,
    rules.INFUSION: rules.LYMPHODEPLETION,
    rules.MONITORING: rules.INFUSION,
    rules.FOLLOW_UP: rules.MONITORING,
    rules.COMPLETED: rules.FOLLOW_UP,
}
MAIN_PATH = [
    rules.SCREENING,
    rules.ELIGIBLE,
    rules.CONSENTED,
    rules.APHERESIS,
    rules.MANUFACTURING,
    rules.LYMPHODEPLETION,
    rules.INFUSION,
    rules.MONITORING,
    rules.FOLLOW_UP,
    rules.COMPLETED,
]


def path_to(stage: str) -> list[str]:
    if stage == rules.REFERRED:
        return []
    if stage == rules.NOT_ELIGIBLE:
        return [rules.SCREENING, rules.NOT_ELIGIBLE]
    if stage == rules.BRIDGING:
        return MAIN_PATH[: MAIN_PATH.index(rules.MANUFACTURING) + 1] + [rules.BRIDGING]
    return MAIN_PATH[: MAIN_PATH.index(stage) + 1]


def actor_for(stage: str, personas):
    """The persona whose role may move a course into the stage (clinician, coordinator,
    ward nurse), so a refusal is about the evidence, not the role."""
    for role in ("clinician", "apheresis_coordinator", "nurse"):
        if role in rules.ROLES_FOR_TARGET[stage]:
            return personas[role]
    raise AssertionError(stage)


def open_course(clinician, ward) -> TreatmentCourse:
    patient = PatientFactory(ward=ward, attending_clinician=clinician)
    return services.course_open(by=clinician, patient=patient, product=product())


def course_without_evidence(stage: str, personas, ward) -> TreatmentCourse:
    """A course put in `stage` as rows: no stage's record exists."""
    clinician = personas["clinician"]
    course = open_course(clinician, ward)
    for step in path_to(stage):
        if step == rules.INFUSION:
            record_passed_gate(course, on=timezone.localdate(), by=clinician)
        course_at_stage(by=clinician, course=course, to_stage=step)
    return course


def snapshot(course):
    course.refresh_from_db()
    return course.stage, StageEvent.objects.filter(course=course).count()


def test_every_forward_stage_has_exactly_one_owner_and_check():
    entries = stage_entry.registered()
    forward = [s for s in rules.STAGE_ORDER if s in rules.GUARDED_STAGES]
    assert sorted(entries) == sorted(forward)
    assert set(BEFORE) == set(forward)
    for stage, entry in entries.items():
        assert entry.stage == stage and callable(entry.evidence_missing)
        module, name = entry.service.rsplit(".", 1)
        service = getattr(importlib.import_module(module), name)
        assert callable(service), entry.service
        assert str(entry.record_where)


def test_a_second_owner_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    entry = stage_entry.entry_for(rules.SCREENING)
    with pytest.raises(ImproperlyConfigured):
        stage_entry.register(
            stage=rules.SCREENING,
            service="somewhere.else.screening_start",
            evidence_missing=entry.evidence_missing,
            record_where=entry.record_where,
            demo_record=entry.demo_record,
        )
    assert stage_entry.entry_for(rules.SCREENING) == entry


@pytest.mark.parametrize("stage", list(BEFORE))
class TestNoPathWithoutEvidence:
    def test_page_form(self, client, personas, ward_7a, stage):
        course = course_without_evidence(BEFORE[stage], personas, ward_7a)
        before = snapshot(course)
        client.force_login(actor_for(stage, personas))
        response = client.post(
            reverse("patients:course_change_stage", args=[course.pk]),
            {
                "to_stage": stage,
                "effective_date": timezone.localdate().isoformat(),
                "reason": "Moving on",
            },
            follow=True,
        )
        assert response.status_code == 200
        assert "The stage was not changed" in response.content.decode()
        assert snapshot(course) == before

    def test_api(self, personas, ward_7a, stage):
        course = course_without_evidence(BEFORE[stage], personas, ward_7a)
        before = snapshot(course)
        api = APIClient()
        api.force_authenticate(actor_for(stage, personas))
        response = api.post(
            f"/api/courses/{course.pk}/stage/",
            {"to_stage": stage, "reason": "Moving on"},
            format="json",
        )
        assert response.status_code == 400
        assert "only when its record is saved" in response.json()["to_stage"][0]
        assert snapshot(course) == before

    def test_admin_change_form(self, client, personas, ward_7a, stage):
        course = course_without_evidence(BEFORE[stage], personas, ward_7a)
        before = snapshot(course)
        client.force_login(personas["administrator"])
        response = client.post(
            reverse("admin:patients_treatmentcourse_change", args=[course.pk]),
            {"stage": stage, "patient": course.patient_id, "product": course.product_id},
        )
        assert response.status_code == 403
        assert snapshot(course) == before

    def test_course_change_stage_in_the_shell(self, personas, ward_7a, stage):
        course = course_without_evidence(BEFORE[stage], personas, ward_7a)
        before = snapshot(course)
        with pytest.raises(ValidationError) as error:
            services.course_change_stage(
                by=actor_for(stage, personas), course=course, to_stage=stage, reason="Moving on"
            )
        assert error.value.code == "evidence"
        assert snapshot(course) == before

    def test_course_enter_stage_in_the_shell(self, personas, ward_7a, stage):
        course = course_without_evidence(BEFORE[stage], personas, ward_7a)
        before = snapshot(course)
        with pytest.raises(ValidationError) as error:
            services.course_enter_stage(
                by=actor_for(stage, personas), course=course, to_stage=stage, reason="Moving on"
            )
        assert error.value.code == "evidence"
        assert error.value.messages[0] == stage_entry.entry_for(stage).evidence_missing(course)
        assert snapshot(course) == before

    def test_with_the_record_the_entry_goes_through(self, personas, ward_7a, stage, media):
        """Each stage on the way is entered through course_enter_stage after its record."""
        course = open_course(personas["clinician"], ward_7a)
        today = timezone.localdate()
        for step in path_to(stage):
            by = actor_for(step, personas)
            if step == rules.LYMPHODEPLETION:
                services.course_set_planned_day0(
                    by=personas["clinician"], course=course, planned_day0_date=today
                )
            if step == rules.MONITORING:
                # The ward nurse starts monitoring; the infusion's record is already there.
                by = personas["nurse"]
            before = snapshot(course)
            entry = stage_entry.entry_for(step)
            assert entry.evidence_missing(course) is not None or step == rules.MONITORING
            stage_entry.demo_evidence(entry.stage, course=course, by=by, on=today)
            assert entry.evidence_missing(course) is None
            services.course_enter_stage(by=by, course=course, to_stage=step, reason="Recorded")
            assert snapshot(course) == (step, before[1] + 1)
