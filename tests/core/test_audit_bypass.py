"""Every ORM path that would write without a history row is refused, on plain querysets too,
and history itself is append-only (issue 14, item 5)."""

import pytest
from django.db.models import QuerySet

from apheresis.models import CustodyEvent
from core.audit import AuditBypassError, bulk_create_with_history, unaudited
from monitoring.models import Assessment, Escalation, MonitoringTask
from patients.models import Patient, TreatmentCourse

pytestmark = pytest.mark.django_db

CLINICAL = [Patient, TreatmentCourse, Assessment, Escalation, MonitoringTask, CustodyEvent]


@pytest.mark.parametrize("model", CLINICAL)
def test_base_manager_and_plain_querysets_refuse_bulk_writes(model):
    for queryset in (model._base_manager.all(), QuerySet(model)):
        with pytest.raises(AuditBypassError):
            queryset.update(pk=1)
        with pytest.raises(AuditBypassError):
            queryset.delete()
        with pytest.raises(AuditBypassError):
            queryset._raw_delete(queryset.db)
        with pytest.raises(AuditBypassError):
            queryset.bulk_update([], ["pk"])
        with pytest.raises(AuditBypassError):
            queryset.bulk_create([])


@pytest.mark.parametrize("model", CLINICAL)
def test_history_tables_refuse_bulk_changes(model):
    history = model.history.model
    for queryset in (model.history.all(), history._base_manager.all(), QuerySet(history)):
        with pytest.raises(AuditBypassError):
            queryset.update(history_change_reason="forged")
        with pytest.raises(AuditBypassError):
            queryset.delete()
        with pytest.raises(AuditBypassError):
            queryset._raw_delete(queryset.db)


def test_bulk_create_is_refused(patient_7a):
    copy = Patient(**{f.attname: getattr(patient_7a, f.attname) for f in Patient._meta.fields})
    copy.pk, copy.mrn = None, "CQ000999"
    for manager in (Patient.objects, Patient._base_manager):
        with pytest.raises(AuditBypassError):
            manager.bulk_create([copy])
    assert not Patient.objects.filter(mrn="CQ000999").exists()


def test_bulk_create_with_history_records_each_creation(patient_7a, dr_ben):
    rows = []
    for n in range(3):
        copy = Patient(**{f.attname: getattr(patient_7a, f.attname) for f in Patient._meta.fields})
        copy.pk, copy.mrn = None, f"CQ00099{n}"
        rows.append(copy)
    created = bulk_create_with_history(Patient, rows, by=dr_ben, reason="import")
    assert len(created) == 3
    for patient in created:
        (entry,) = patient.history.all()
        assert entry.history_type == "+"
        assert entry.history_user == dr_ben


def test_history_cannot_be_changed_or_deleted(patient_7a):
    before = list(patient_7a.history.values_list("history_id", "family_name"))
    with pytest.raises(AuditBypassError):
        Patient.history.update(family_name="Forged")
    with pytest.raises(AuditBypassError):
        patient_7a.history.all().update(family_name="Forged")
    with pytest.raises(AuditBypassError):
        Patient.history.all().delete()
    with pytest.raises(AuditBypassError):
        patient_7a.history.first().delete()
    with pytest.raises(AuditBypassError):
        QuerySet(Patient.history.model)._raw_delete("default")
    assert list(patient_7a.history.values_list("history_id", "family_name")) == before


def test_unaudited_needs_a_reason_and_ends_with_its_block(patient_7a):
    with pytest.raises(ValueError):
        with unaudited(""):
            pass
    with unaudited("test set-up"):
        assert QuerySet(Patient).filter(pk=0).update(weight_kg=1) == 0
    with pytest.raises(AuditBypassError):
        QuerySet(Patient).filter(pk=0).update(weight_kg=1)


def test_saves_still_write_history(patient_7a, dr_ben):
    before = patient_7a.history.count()
    patient_7a.weight_kg = "70.0"
    patient_7a.save()
    assert patient_7a.history.count() == before + 1
