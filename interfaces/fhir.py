"""FHIR R4 inbound: Patient, Encounter and Observation, validated with fhir.resources
(R4B models: 4.3.0 is R4's technical correction, wire-compatible for these resources) and
mapped to the same services as the HL7 feed. Every request is kept like an HL7 message."""

import json
import logging

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from core.models import User
from monitoring import labs as monitoring_labs
from monitoring import services as monitoring_services
from monitoring.models import LabSource
from patients.models import Patient

from . import handlers, hl7v2
from .labs import analyte_for, open_course, stage_labs_receive
from .models import Channel, InboundMessage, MessageStatus
from .services import interface_account, message_store

logger = logging.getLogger(__name__)

MODELS = {"Patient": FhirPatient, "Encounter": Encounter, "Observation": Observation}
GENDER = {"female": "F", "male": "M", "other": "O", "unknown": "U"}
ACTIVE_ENCOUNTER = {"planned", "arrived", "triaged", "in-progress", "onleave"}
ENDED_ENCOUNTER = {"finished"}
OBSERVATION_STATUSES = {"final", "amended", "corrected", "preliminary"}
# ERR-3 codes of the shared handlers → HTTP status and OperationOutcome issue type.
HTTP_FOR_CODE = {
    hl7v2.UNKNOWN_KEY_IDENTIFIER: (404, "not-found"),
    hl7v2.REQUIRED_FIELD_MISSING: (422, "required"),
    hl7v2.TABLE_VALUE_NOT_FOUND: (422, "code-invalid"),
    hl7v2.DATA_TYPE_ERROR: (400, "value"),
}


class FhirError(Exception):
    def __init__(self, status: int, code: str, text: str):
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


def operation_outcome(severity: str, code: str, text: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": text}],
    }


def fhir_receive(
    *, resource_type: str, raw: bytes, logical_id: str = ""
) -> tuple[InboundMessage, int, dict]:
    message = message_store(channel=Channel.FHIR, raw=raw)
    message.message_type = resource_type
    message.control_id = logical_id[:60]
    status, body = fhir_process(message=message)
    return message, status, body


def fhir_process(*, message: InboundMessage, by: User | None = None) -> tuple[int, dict]:
    message.attempts += 1
    message.processed_at = timezone.now()
    message.replayed_by = by
    message.sending_application = "FHIR"
    try:
        data, resource = _validated(message)
        with transaction.atomic():
            status, outcome = HANDLERS[message.message_type](
                resource, data=data, message=message, by=interface_account()
            )
        http = 201 if not message.control_id and status == MessageStatus.PROCESSED else 200
        if status == MessageStatus.REVIEW:
            http = 202
        body = (
            data
            if status == MessageStatus.PROCESSED
            else operation_outcome("information", "informational", outcome)
        )
        ack = "AA"
    except FhirError as error:
        status = MessageStatus.REJECTED if error.status == 400 else MessageStatus.FAILED
        http, outcome, ack = error.status, error.text, ("AR" if error.status == 400 else "AE")
        body = operation_outcome("error", error.code, error.text)
    except hl7v2.MessageError as error:
        http, code = HTTP_FOR_CODE.get(error.code, (422, "processing"))
        status, outcome, ack = MessageStatus.FAILED, error.text, "AE"
        body = operation_outcome("error", code, error.text)
    except (ValidationError, PermissionDenied) as error:
        outcome = " ".join(getattr(error, "messages", None) or [str(error)])
        status, http, ack = MessageStatus.FAILED, 422, "AE"
        body = operation_outcome("error", "business-rule", outcome)
    except Exception as error:
        logger.exception("FHIR message %s failed", message.pk)
        outcome = _("Internal error: %(error)s") % {"error": type(error).__name__}
        status, http, ack = MessageStatus.FAILED, 500, "AE"
        body = operation_outcome("fatal", "exception", outcome)
    message.status, message.outcome, message.ack_code = status, outcome, ack
    message.save()
    return http, body


def _validated(message: InboundMessage):
    try:
        data = json.loads(bytes(message.raw).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FhirError(400, "structure", _("The body is not JSON: %(e)s") % {"e": error}) from None
    if not isinstance(data, dict) or data.get("resourceType") != message.message_type:
        raise FhirError(
            400, "invalid", _("Expected a %(type)s resource.") % {"type": message.message_type}
        )
    if message.control_id:
        if data.get("id") not in (None, message.control_id):
            raise FhirError(400, "invalid", _("The resource id differs from the URL's."))
        data["id"] = message.control_id
    try:
        resource = MODELS[message.message_type].model_validate(data)
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise FhirError(400, "invalid", problems) from None
    return data, resource


def _code(concept) -> str:
    if concept is None:
        return ""
    return " ".join(c.code or "" for c in (concept.coding or []))


def patient_data(resource: FhirPatient) -> hl7v2.PatientData:
    mrn = national_id = ""
    for identifier in resource.identifier or []:
        kind = _code(identifier.type).upper()
        if "NI" in kind.split() and not national_id:
            national_id = identifier.value or ""
        elif ("MR" in kind.split() or not kind) and not mrn:
            mrn = identifier.value or ""
    if not mrn:
        raise FhirError(422, "required", _("Patient.identifier has no MR (record number)."))
    name = (resource.name or [None])[0]
    return hl7v2.PatientData(
        mrn=mrn,
        national_id=national_id,
        family_name=(name.family or "") if name else "",
        given_name=" ".join(name.given or []) if name else "",
        date_of_birth=resource.birthDate,
        sex=GENDER.get(resource.gender or "", ""),
    )


def _subject_patient(reference, message: InboundMessage) -> Patient:
    """Subject as `Patient/<MRN>` or an identifier with the MRN."""
    mrn = ""
    if reference is not None:
        if reference.reference and reference.reference.startswith("Patient/"):
            mrn = reference.reference.split("/", 1)[1]
        elif reference.identifier is not None:
            mrn = reference.identifier.value or ""
    if not mrn:
        raise FhirError(422, "required", _("subject must name the patient's MRN."))
    message.mrn = mrn[:30]
    patient = handlers.patient_match(hl7v2.PatientData(mrn=mrn))
    if patient is None:
        raise FhirError(
            404, "not-found", _("Unknown patient: MRN %(mrn)s is not registered.") % {"mrn": mrn}
        )
    return patient


def handle_patient(resource, *, data, message, by):
    """Updates a known patient (identity disagreements go to reconciliation). A patient
    enters the programme by registration here or through ADT A01 with its measurements."""
    found = patient_data(resource)
    message.mrn = found.mrn[:30]
    patient = handlers.patient_match(found)
    if patient is None:
        raise FhirError(
            422,
            "not-found",
            _("%(mrn)s is not a programme patient; FHIR Patient updates registered patients.")
            % {"mrn": found.mrn},
        )
    return handlers.apply_demographics(
        patient, found, message=message, by=by, label=f"FHIR Patient {message.control_id}"
    )


def handle_encounter(resource, *, data, message, by):
    patient = _subject_patient(resource.subject, message)
    location = None
    for entry in resource.location or []:
        if entry.status in (None, "active", "planned"):
            location = entry.location
    ward_code = ""
    if location is not None:
        if location.identifier is not None:
            ward_code = location.identifier.value or ""
        elif location.reference and location.reference.startswith("Location/"):
            ward_code = location.reference.split("/", 1)[1]
    visit = hl7v2.VisitData(
        ward_code=ward_code,
        visit_number=((resource.identifier or [None])[0].value or "")
        if resource.identifier
        else message.control_id,
    )
    start = resource.period.start if resource.period else None
    end = resource.period.end if resource.period else None
    if resource.status in ENDED_ENCOUNTER:
        return handlers.leave(patient, visit, when=handlers.aware(end))
    if resource.status not in ACTIVE_ENCOUNTER:
        return MessageStatus.IGNORED, _("Encounter status %(s)s: nothing to do.") % {
            "s": resource.status
        }
    handlers._stay(patient, visit, admitted_at=handlers.aware(start))
    return handlers.move_to(
        patient,
        handlers.ward_for(ward_code),
        by=by,
        when=handlers.aware(None),
        label=f"FHIR Encounter {message.control_id}".strip(),
    )


def handle_observation(resource, *, data, message, by):
    patient = _subject_patient(resource.subject, message)
    if resource.status not in OBSERVATION_STATUSES:
        return MessageStatus.IGNORED, _("Observation status %(s)s is not a value.") % {
            "s": resource.status
        }
    found = None
    for coding in resource.code.coding or []:
        found = analyte_for(coding.code or "", coding.system or "", coding.code or "")
        if found:
            break
    if found is None:
        return MessageStatus.IGNORED, _("Not a monitoring lab: %(code)s.") % {
            "code": _code(resource.code)
        }
    quantity = resource.valueQuantity
    if quantity is None or quantity.value is None:
        raise FhirError(422, "required", _("Observation.valueQuantity is required."))
    course = open_course(patient)
    if course is None:
        return MessageStatus.IGNORED, _("%(mrn)s has no course under way.") % {"mrn": patient.mrn}
    analyte, default_unit = found
    key = message.control_id or (resource.id or "")
    unit = quantity.code or quantity.unit or default_unit
    observed_at = handlers.aware(resource.effectiveDateTime or resource.issued)
    filled = stage_labs_receive(
        by=by,
        course=course,
        results=[(analyte, quantity.value, unit, observed_at)],
        message=f"FHIR Observation/{key}",
    )
    if analyte not in monitoring_labs.ANALYTES:
        if not filled:
            return MessageStatus.IGNORED, _(
                "%(mrn)s: no open screening or planned collection takes %(code)s."
            ) % {"mrn": patient.mrn, "code": _code(resource.code)}
        return MessageStatus.PROCESSED, f"{patient.mrn}: {', '.join(filled)}"
    result = monitoring_services.lab_result_record(
        by=by,
        course=course,
        analyte=analyte,
        value=quantity.value,
        unit=unit,
        measured_at=observed_at,
        source=LabSource.LAB_SYSTEM,
        external_key=f"fhir:Observation/{key}" if key else "",
    )
    return MessageStatus.PROCESSED, "; ".join(
        [f"{patient.mrn}: {result.get_analyte_display()} {result.value}", *filled]
    )


HANDLERS = {
    "Patient": handle_patient,
    "Encounter": handle_encounter,
    "Observation": handle_observation,
}
