"""Audited clinical models refuse every write path that would leave no history row."""

import pytest

from apheresis.models import Collection, CollectionSchedule, ProductReceipt
from core.audit import AuditBypassError
from eligibility.models import ConsentRecord, MdtDecision, ScreeningAssessment
from followup.models import Discharge, FollowUpVisit, ScheduledVisit
from infusion.models import Administration, GateReview, InfusionRecord, LymphodepletionPlan
from monitoring.models import Assessment, Escalation, Intervention, MonitoringTask
from patients.models import Patient, StageEvent, TreatmentCourse

pytestmark = pytest.mark.django_db

AUDITED = [
    ScreeningAssessment,
    MdtDecision,
    ConsentRecord,
    CollectionSchedule,
    Collection,
    ProductReceipt,
    LymphodepletionPlan,
    Administration,
    GateReview,
    InfusionRecord,
    Discharge,
    ScheduledVisit,
    FollowUpVisit,
    Patient,
    TreatmentCourse,
    StageEvent,
    Assessment,
    Intervention,
    MonitoringTask,
    Escalation,
]


@pytest.mark.parametrize("model", AUDITED)
def test_queryset_update_delete_and_bulk_update_are_refused(model):
    with pytest.raises(AuditBypassError, match="audit trail"):
        model.objects.all().update(pk=1)
    with pytest.raises(AuditBypassError):
        model.objects.all().delete()
    with pytest.raises(AuditBypassError):
        model.objects.bulk_update([], ["pk"])


def test_instances_are_never_deleted(patient_7a):
    with pytest.raises(AuditBypassError):
        patient_7a.delete()
    assert Patient.objects.filter(pk=patient_7a.pk).exists()


def test_audited_update_writes_one_history_row_per_record(patient_7a, dr_ben):
    before = patient_7a.history.count()
    changed = Patient.objects.filter(pk=patient_7a.pk).audited_update(
        by=dr_ben, reason="Weighed on the ward", weight_kg="66.5"
    )
    assert changed == 1
    latest = patient_7a.history.order_by("-history_id").first()
    assert patient_7a.history.count() == before + 1
    assert str(latest.weight_kg) == "66.5"
    assert latest.history_user == dr_ben
    assert latest.history_change_reason == "Weighed on the ward"


def test_audited_update_is_conditional(patient_7a, dr_ben):
    assert (
        Patient.objects.filter(pk=patient_7a.pk, mrn="nobody").audited_update(
            by=dr_ben, weight_kg="50"
        )
        == 0
    )
