"""What follow-up writes on a course's timeline, as codes (core.system_text). A cause of
death is stored as its choice value and shown as its label in the reader's language (a nested
text); the details a nurse typed follow as the human reason."""

from django.utils.translation import gettext_noop

# One code per CauseOfDeath value (tests/followup check that none is missing).
CAUSE_OF_DEATH_TEXTS = {
    "followup.death_cause.progression": gettext_noop("Disease progression or relapse"),
    "followup.death_cause.infection": gettext_noop("Infection"),
    "followup.death_cause.crs": gettext_noop("Cytokine release syndrome"),
    "followup.death_cause.icans": gettext_noop("Neurotoxicity (ICANS)"),
    "followup.death_cause.cytopenia": gettext_noop("Prolonged cytopenia / haemorrhage"),
    "followup.death_cause.second_malignancy": gettext_noop("Second malignancy"),
    "followup.death_cause.other": gettext_noop("Other"),
    "followup.death_cause.unknown": gettext_noop("Unknown"),
}

TEXTS = {
    "followup.ended": gettext_noop("Follow-up ended:"),
    # A cancelled visit's reason (prose, in English; shown in the reader's language).
    "followup.patient_died_on": gettext_noop("Patient died on %(date)s."),
    "followup.course_ended": gettext_noop("Course ended (%(stage)s) on %(date)s."),
    "followup.died": gettext_noop("Died: %(cause)s"),
    # Followed by the details the nurse typed (the human reason).
    "followup.died_with_details": gettext_noop("Died: %(cause)s –"),
    **CAUSE_OF_DEATH_TEXTS,
}


def cause_of_death_code(value: str) -> str:
    return f"followup.death_cause.{value}"
