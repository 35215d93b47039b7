"""What each HL7 message does, through the owning apps' services. Each handler returns
(status, outcome) or raises hl7v2.MessageError / ValidationError (the message then fails
with AE and is kept for replay)."""

from datetime import datetime

import hl7
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import User, Ward
from core.roles import Role
from patients import services as patient_services
from patients.models import Patient, TransferSource

from . import hl7v2, mapping
from .models import HospitalStay, InboundMessage, MessageStatus, WardCode
from .services import reconciliation_open


def handle(
    parsed: hl7.Message, *, head: hl7v2.Header, message: InboundMessage, by: User
) -> tuple[str, str]:
    if head.message_code == "ORU":
        from .labs import oru_record

        return oru_record(parsed, message=message, by=by)
    return ADT_HANDLERS[head.trigger](parsed, head=head, message=message, by=by)


# --- Matching -------------------------------------------------------------------------------


def patient_match(data: hl7v2.PatientData) -> Patient | None:
    """By MRN, following merges to the surviving record; else by national ID."""
    patient = Patient.objects.filter(mrn=data.mrn).first()
    if patient is None and data.national_id:
        patient = Patient.objects.filter(national_id=data.national_id).first()
    seen = set()
    while patient is not None and patient.merged_into_id and patient.pk not in seen:
        seen.add(patient.pk)
        patient = patient.merged_into
    return patient


def differences(patient: Patient, data: hl7v2.PatientData) -> dict:
    """Identity fields where the HIS and our record disagree ({} when they agree). A blank
    on either side is no disagreement."""

    def same_text(a: str, b: str) -> bool:
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    found = {}
    # The MRNs of records merged into this one still name it.
    aliases = {patient.mrn, *patient.merged_records.values_list("mrn", flat=True)}
    if data.mrn not in aliases:
        found["mrn"] = {"ours": patient.mrn, "his": data.mrn}
    pairs = [
        ("family_name", patient.family_name, data.family_name),
        ("given_name", patient.given_name, data.given_name),
        ("national_id", patient.national_id, data.national_id),
    ]
    for name, ours, his in pairs:
        if ours and his and not same_text(ours, his):
            found[name] = {"ours": ours, "his": his}
    if data.date_of_birth and patient.date_of_birth != data.date_of_birth:
        found["date_of_birth"] = {
            "ours": patient.date_of_birth.isoformat(),
            "his": data.date_of_birth.isoformat(),
        }
    return found


def _matched(parsed, message) -> tuple[Patient, hl7v2.PatientData]:
    data = hl7v2.patient(parsed)
    message.mrn = data.mrn[:30]
    patient = patient_match(data)
    if patient is None:
        raise hl7v2.MessageError(
            _("Unknown patient: MRN %(mrn)s is not registered in the programme.")
            % {"mrn": data.mrn},
            code=hl7v2.UNKNOWN_KEY_IDENTIFIER,
        )
    return patient, data


def _held(patient, message, found) -> tuple[str, str]:
    reconciliation_open(patient=patient, message=message, differences=found)
    return MessageStatus.REVIEW, _(
        "Identity differs from our record (%(fields)s): a reconciliation task is open; "
        "nothing was overwritten."
    ) % {"fields": ", ".join(sorted(found))}


def ward_for(code: str) -> Ward:
    """PV1-3.1 → our ward: the administrators' code table first, then the ward's own code."""
    if not code:
        raise hl7v2.MessageError(
            _("PV1-3 (assigned location) is empty."), code=hl7v2.REQUIRED_FIELD_MISSING
        )
    mapped = WardCode.objects.select_related("ward").filter(his_code=code).first()
    ward = mapped.ward if mapped else Ward.objects.filter(code__iexact=code).first()
    if ward is None:
        raise hl7v2.MessageError(
            _("Unknown ward %(code)s: add it to the HIS ward codes, then replay.") % {"code": code},
            code=hl7v2.TABLE_VALUE_NOT_FOUND,
        )
    return ward


def aware(moment: datetime | None) -> datetime:
    now = timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, now)


def _transfer_if_moved(patient, ward, *, by, when, label) -> str:
    if ward.pk == patient.ward_id:
        return ""
    patient_services.patient_transfer(
        by=by,
        patient=patient,
        to_ward=ward,
        reason=label,
        transferred_at=when,
        source=TransferSource.HIS,
    )
    return _("moved to %(ward)s") % {"ward": ward}


def _stay(patient, visit: hl7v2.VisitData, *, admitted_at=None, discharged_at=None):
    number = visit.visit_number or ""
    if not number:
        return None
    stay, _created = HospitalStay.objects.get_or_create(patient=patient, visit_number=number)
    if admitted_at and stay.admitted_at is None:
        stay.admitted_at = admitted_at
    if discharged_at:
        stay.discharged_at = discharged_at
    stay.save()
    return stay


# --- ADT ------------------------------------------------------------------------------------


def admit(parsed, *, head, message, by) -> tuple[str, str]:
    """A01 admit / A04 register: a known patient's ward follows; a new patient with a
    programme diagnosis (DG1) is registered; anyone else is not ours."""
    data = hl7v2.patient(parsed)
    message.mrn = data.mrn[:30]
    visit = hl7v2.visit(parsed)
    when = aware(hl7v2.event_time(parsed))
    patient = patient_match(data)
    if patient is not None:
        found = differences(patient, data)
        if found:
            return _held(patient, message, found)
        done = []
        if visit.ward_code:
            moved = _transfer_if_moved(
                patient, ward_for(visit.ward_code), by=by, when=when, label=head.message_type
            )
            done += [moved] if moved else []
        if data.national_id and not patient.national_id:
            patient_services.patient_update(
                by=by,
                patient=patient,
                expected_version=patient.version,
                reason=system_text.english(
                    system_text.text("interfaces.national_id", type=head.message_type)
                ),
                national_id=data.national_id,
            )
        _stay(patient, visit, admitted_at=aware(visit.admitted_at) if visit.admitted_at else when)
        return MessageStatus.PROCESSED, _("%(mrn)s admitted%(done)s.") % {
            "mrn": patient.mrn,
            "done": (": " + ", ".join(done)) if done else "",
        }
    diagnosis = _diagnosis(parsed)
    if diagnosis is None:
        return MessageStatus.IGNORED, _(
            "%(mrn)s is not a programme patient (no CAR-T indication in DG1); not registered."
        ) % {"mrn": data.mrn}
    patient = patient_services.patient_register(by=by, **_registration(parsed, data, visit))
    _stay(patient, visit, admitted_at=aware(visit.admitted_at) if visit.admitted_at else when)
    return MessageStatus.PROCESSED, _("%(mrn)s registered from the hospital system.") % {
        "mrn": patient.mrn
    }


def _diagnosis(parsed) -> str | None:
    try:
        segments = list(parsed.segments("DG1"))
    except KeyError:
        return None
    for segment in segments:
        found = mapping.diagnosis_for_icd10(hl7v2._field(segment, 3))
        if found:
            return found
    return None


def _registration(parsed, data: hl7v2.PatientData, visit: hl7v2.VisitData) -> dict:
    weight = height = None
    for obx in hl7v2.observations(parsed):
        if obx.code in mapping.WEIGHT_LOINC:
            weight = mapping.measure(obx.value, obx.units, mapping.WEIGHT_TO_KG)
        elif obx.code in mapping.HEIGHT_LOINC:
            height = mapping.measure(obx.value, obx.units, mapping.HEIGHT_TO_CM)
    missing = [
        label
        for label, value in (
            (_("family name (PID-5)"), data.family_name),
            (_("date of birth (PID-7)"), data.date_of_birth),
            (_("weight (OBX 29463-7, kg)"), weight),
            (_("height (OBX 8302-2, cm)"), height),
        )
        if not value
    ]
    if missing:
        raise hl7v2.MessageError(
            _("Cannot register %(mrn)s: missing %(fields)s.")
            % {"mrn": data.mrn, "fields": ", ".join(str(m) for m in missing)},
            code=hl7v2.REQUIRED_FIELD_MISSING,
        )
    return {
        "mrn": data.mrn,
        "national_id": data.national_id,
        "family_name": data.family_name,
        "given_name": data.given_name or "-",
        "date_of_birth": data.date_of_birth,
        "sex": data.sex or "U",
        "weight_kg": weight,
        "height_cm": height,
        "diagnosis": _diagnosis(parsed),
        "ward": ward_for(visit.ward_code),
        "attending_clinician": _attending(visit.attending_id),
    }


def _attending(identifier: str) -> User:
    for username in (identifier, settings.HIS_DEFAULT_ATTENDING):
        if not username:
            continue
        user = User.objects.filter(
            username=username, groups__name=Role.CLINICIAN, is_active=True
        ).first()
        if user is not None:
            return user
    raise hl7v2.MessageError(
        _("PV1-7 names no clinician known here (%(id)s) and no default attending is set.")
        % {"id": identifier or "-"},
        code=hl7v2.TABLE_VALUE_NOT_FOUND,
    )


def update(parsed, *, head, message, by) -> tuple[str, str]:
    """A08: an update of the patient's identity or demographics."""
    patient, data = _matched(parsed, message)
    return apply_demographics(
        patient, data, message=message, by=by, label=f"{head.message_type} {head.control_id}"
    )


def apply_demographics(
    patient: Patient, data: hl7v2.PatientData, *, message, by, label: str
) -> tuple[str, str]:
    """Identity disagreements go to reconciliation; sex and national ID follow the HIS."""
    found = differences(patient, data)
    if found:
        return _held(patient, message, found)
    changes = {}
    if data.sex and data.sex != patient.sex:
        changes["sex"] = data.sex
    if data.national_id and data.national_id != patient.national_id:
        changes["national_id"] = data.national_id
    if not changes:
        return MessageStatus.PROCESSED, _("%(mrn)s: nothing changed.") % {"mrn": patient.mrn}
    patient_services.patient_update(
        by=by,
        patient=patient,
        expected_version=patient.version,
        reason=system_text.english(system_text.text("interfaces.updated", what=label)),
        **changes,
    )
    return MessageStatus.PROCESSED, _("%(mrn)s updated: %(fields)s.") % {
        "mrn": patient.mrn,
        "fields": ", ".join(sorted(changes)),
    }


def transfer(parsed, *, head, message, by) -> tuple[str, str]:
    """A02: the patient moves to PV1-3, at EVN-6 (else the message time)."""
    patient, _data = _matched(parsed, message)
    ward = ward_for(hl7v2.visit(parsed).ward_code)
    when = aware(hl7v2.event_time(parsed))
    return move_to(patient, ward, by=by, when=when, label=head.message_type)


def move_to(patient: Patient, ward: Ward, *, by, when, label: str) -> tuple[str, str]:
    moved = _transfer_if_moved(patient, ward, by=by, when=when, label=label)
    if not moved:
        return MessageStatus.IGNORED, _("%(mrn)s is already on %(ward)s.") % {
            "mrn": patient.mrn,
            "ward": ward,
        }
    return MessageStatus.PROCESSED, f"{patient.mrn}: {moved}."


def discharge(parsed, *, head, message, by) -> tuple[str, str]:
    """A03: the hospital stay ends; the treatment course is not touched (follow-up goes on
    after the patient goes home)."""
    patient, _data = _matched(parsed, message)
    visit = hl7v2.visit(parsed)
    when = aware(visit.discharged_at or hl7v2.event_time(parsed))
    return leave(patient, visit, when=when)


def leave(patient: Patient, visit: hl7v2.VisitData, *, when) -> tuple[str, str]:
    stay = _stay(patient, visit, discharged_at=when)
    if stay is None:
        stay = patient.hospital_stays.filter(discharged_at__isnull=True).first()
        if stay is not None:
            stay.discharged_at = when
            stay.save()
    return MessageStatus.PROCESSED, _("%(mrn)s discharged from hospital.") % {"mrn": patient.mrn}


def merge(parsed, *, head, message, by) -> tuple[str, str]:
    """A40: MRG-1's record merges into PID-3's. When we hold only the prior record, it takes
    the surviving MRN; when we hold neither, there is nothing to do."""
    data = hl7v2.patient(parsed)
    message.mrn = data.mrn[:30]
    prior = hl7v2.prior_mrn(parsed)
    survivor = Patient.objects.filter(mrn=data.mrn).first()
    merged = Patient.objects.filter(mrn=prior, merged_into__isnull=True).first()
    if merged is None:
        return MessageStatus.IGNORED, _("Prior MRN %(mrn)s is not in the programme.") % {
            "mrn": prior
        }
    reason = _("Merged by the hospital system (%(id)s).") % {"id": head.control_id}
    if survivor is None:
        patient_services.patient_update(
            by=by, patient=merged, expected_version=merged.version, reason=reason, mrn=data.mrn
        )
        return MessageStatus.PROCESSED, _("%(old)s renumbered %(new)s.") % {
            "old": prior,
            "new": data.mrn,
        }
    patient_services.patient_merge(by=by, merged=merged, survivor=survivor, reason=reason)
    return MessageStatus.PROCESSED, _("%(old)s merged into %(new)s.") % {
        "old": prior,
        "new": data.mrn,
    }


ADT_HANDLERS = {
    "A01": admit,
    "A04": admit,
    "A08": update,
    "A02": transfer,
    "A03": discharge,
    "A40": merge,
}
