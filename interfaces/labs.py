"""ORU^R01 and FHIR Observation → lab results, mapped by LOINC or by the administrators'
local-code table: monitoring labs to the monitoring chart, screening labs to an open
screening, ALC/CD3+ to a planned collection (issue 18)."""

from django.utils.translation import gettext as _

from apheresis.lab_services import schedule_counts_receive
from core.models import User
from eligibility.lab_services import screening_lab_receive
from monitoring import labs as monitoring_labs
from monitoring import services as monitoring_services
from monitoring.models import LabSource
from patients.models import Patient

from . import hl7v2, mapping
from .models import InboundMessage, LocalLabCode, MessageStatus


def analyte_for(code: str, system: str, local_code: str) -> tuple[str, str] | None:
    """(analyte, default unit) for an observation code, or None if we do not chart it."""
    if system.upper() in ("LN", "LOINC", "HTTP://LOINC.ORG") and code in mapping.LOINC_ANALYTE:
        return mapping.LOINC_ANALYTE[code], ""
    for candidate in (local_code, code):
        if candidate:
            row = LocalLabCode.objects.filter(local_code=candidate).first()
            if row is not None:
                return row.analyte, row.unit
    return None


def stage_labs_receive(*, by: User, course, results: list, message: str) -> list[str]:
    """Screening and pre-collection values [(test, value, UCUM unit, observed at)] through
    their apps' services; the names of the fields filled."""
    filled = screening_lab_receive(by=by, course=course, results=results, message=message)
    filled += schedule_counts_receive(by=by, course=course, results=results, message=message)
    return filled


def open_course(patient: Patient):
    return patient.courses.exclude(stage__in=["completed", "withdrawn", "deceased"]).first()


def oru_record(parsed, *, message: InboundMessage, by: User) -> tuple[str, str]:
    from .handlers import _matched, aware

    patient, _data = _matched(parsed, message)
    course = open_course(patient)
    if course is None:
        return MessageStatus.IGNORED, _("%(mrn)s has no course under way; results not charted.") % {
            "mrn": patient.mrn
        }
    recorded, skipped, results = [], [], []
    for number, obx in enumerate(hl7v2.observations(parsed), start=1):
        found = analyte_for(obx.code, obx.coding_system, obx.local_code)
        if found is None or obx.status.upper() not in mapping.RESULT_STATUSES_STORED:
            skipped.append(obx.code or obx.local_code)
            continue
        analyte, default_unit = found
        results.append((analyte, obx.value, obx.units or default_unit, aware(obx.observed_at)))
        if analyte not in monitoring_labs.ANALYTES:
            continue
        result = monitoring_services.lab_result_record(
            by=by,
            course=course,
            analyte=analyte,
            value=obx.value,
            unit=obx.units or default_unit,
            measured_at=aware(obx.observed_at),
            source=LabSource.LAB_SYSTEM,
            external_key=f"hl7:{message.sending_application}:{message.control_id}:{number}",
        )
        recorded.append(f"{result.get_analyte_display()} {result.value}")
    filled = stage_labs_receive(
        by=by, course=course, results=results, message=f"HL7 {message.control_id}"
    )
    recorded += filled
    if not recorded:
        return MessageStatus.IGNORED, _(
            "No lab this programme records in this result (%(codes)s)."
        ) % {"codes": ", ".join(skipped) or "-"}
    return MessageStatus.PROCESSED, _("%(mrn)s: %(values)s.") % {
        "mrn": patient.mrn,
        "values": "; ".join(recorded),
    }
