"""The stages eligibility owns and the record each needs (patients/stage_entry.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules as course_rules
from patients import stage_entry

from .models import (
    CONSENT_ITEMS,
    ConsentRecord,
    Decision,
    MdtDecision,
    RuleResult,
    ScreeningAssessment,
)


def screening_missing(course) -> str | None:
    if ScreeningAssessment.objects.filter(course=course).exists():
        return None
    return _("No screening has been recorded: start it on the course's Eligibility page.")


def _latest_decision(course) -> str | None:
    return (
        MdtDecision.objects.filter(course=course)
        .order_by("-id")
        .values_list("decision", flat=True)
        .first()
    )


def mdt_approval_missing(course) -> str | None:
    if _latest_decision(course) == Decision.APPROVE:
        return None
    return _(
        "No MDT approval has been recorded: record the MDT decision on the course's "
        "Eligibility page."
    )


def mdt_decline_missing(course) -> str | None:
    if _latest_decision(course) == Decision.DECLINE:
        return None
    return _(
        "No MDT decision declining the course has been recorded: record the MDT decision on "
        "the course's Eligibility page."
    )


def consent_missing(course) -> str | None:
    if ConsentRecord.objects.filter(course=course).exclude(document="").exists():
        return None
    return _("No signed consent has been recorded: upload it on the course's Consent page.")


# --- Demo records: the evidence of a demo course walked back in time (seed_demo, tests). ---
# Rows, not services: a demo course's MDT met weeks ago and its consent was signed on paper.


def _demo_screening(*, course, by, on):
    return ScreeningAssessment.objects.get_or_create(
        course=course,
        defaults={
            "assessed_on": on,
            "diagnosis": course.patient.diagnosis,
            "created_by": by,
            "updated_by": by,
        },
    )[0]


def _demo_decision(decision: str):
    def record(*, course, by, on) -> None:
        MdtDecision.objects.create(
            course=course,
            assessment=_demo_screening(course=course, by=by, on=on),
            decision=decision,
            decided_on=on,
            rule_result=RuleResult.ELIGIBLE
            if decision == Decision.APPROVE
            else RuleResult.NOT_ELIGIBLE,
            attendees="Demo MDT",
            decided_by=by,
        )

    return record


def _demo_consent(*, course, by, on) -> None:
    from django.core.files.base import ContentFile

    record = ConsentRecord(
        course=course,
        consented_on=on,
        explained_by=by,
        document_name="consent.pdf",
        recorded_by=by,
        **{item: True for item in CONSENT_ITEMS},
    )
    record.document.save("consent.pdf", ContentFile(b"%PDF-1.4\n% demo consent\n"), save=False)
    record.save()


def register() -> None:
    stage_entry.register(
        stage=course_rules.SCREENING,
        service="eligibility.services.screening_start",
        evidence_missing=screening_missing,
        demo_record=_demo_screening,
        record_where=gettext_lazy("the course's Eligibility page (start the screening)"),
    )
    stage_entry.register(
        stage=course_rules.ELIGIBLE,
        service="eligibility.services.decision_record",
        evidence_missing=mdt_approval_missing,
        demo_record=_demo_decision(Decision.APPROVE),
        record_where=gettext_lazy("the MDT decision on the course's Eligibility page"),
    )
    stage_entry.register(
        stage=course_rules.NOT_ELIGIBLE,
        service="eligibility.services.decision_record",
        evidence_missing=mdt_decline_missing,
        demo_record=_demo_decision(Decision.DECLINE),
        record_where=gettext_lazy("the MDT decision on the course's Eligibility page"),
    )
    stage_entry.register(
        stage=course_rules.CONSENTED,
        service="eligibility.services.consent_record",
        evidence_missing=consent_missing,
        demo_record=_demo_consent,
        record_where=gettext_lazy("the course's Consent page"),
    )
