"""What the patients app writes on a course's timeline, as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "patients.referred": gettext_noop("Referred for CAR-T therapy."),
    # Prose columns (a transfer's reason, a record's history reason), written in English and
    # shown in the reader's language (core.system_text_legacy, the |said filter).
    "patients.ward_changed": gettext_noop("Ward changed on the patient record."),
    "patients.transferred": gettext_noop("Transferred to %(ward)s: %(reason)s"),
    **{
        # A stage's name inside a sentence ("Course ended (Deceased) on …"): stage_text().
        "patients.stage.referred": gettext_noop("Referred"),
        "patients.stage.screening": gettext_noop("Screening"),
        "patients.stage.eligible": gettext_noop("Eligible"),
        "patients.stage.not_eligible": gettext_noop("Not eligible"),
        "patients.stage.consented": gettext_noop("Consented"),
        "patients.stage.apheresis": gettext_noop("Apheresis"),
        "patients.stage.manufacturing": gettext_noop("Manufacturing"),
        "patients.stage.bridging": gettext_noop("Bridging"),
        "patients.stage.lymphodepletion": gettext_noop("Lymphodepletion"),
        "patients.stage.infusion": gettext_noop("Infusion"),
        "patients.stage.monitoring": gettext_noop("Monitoring"),
        "patients.stage.follow_up": gettext_noop("Follow-up"),
        "patients.stage.completed": gettext_noop("Completed"),
        "patients.stage.withdrawn": gettext_noop("Withdrawn"),
        "patients.stage.deceased": gettext_noop("Deceased"),
    },
}


def stage_text_code(stage: str) -> str:
    """The code of a stage's name (tests/patients check one per Stage value)."""
    return f"patients.stage.{stage}"
