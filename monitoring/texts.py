"""What monitoring writes, as ``code -> msgid`` (core.system_text, issue 17).

The grading rules (monitoring/grading.py) return findings as codes; these are their words. The
English must stay exactly the ASTCT wording the ward charted before (tests/monitoring/
test_grading.py), and the exports keep that English in crs_reason/icans_reason.
"""

from django.utils.translation import gettext_noop

GRADING_TEXTS = {
    # --- CRS: the fever part of a reason, then the whole reason ---
    "grade.crs.fever": gettext_noop("fever %(temperature)s °C"),
    "grade.crs.fever_masked": gettext_noop("fever masked by antipyretic or anti-cytokine therapy"),
    "grade.crs.fever_nothing_else": gettext_noop("%(fever)s, with no hypotension or hypoxia"),
    "grade.crs.fever_only": gettext_noop("%(fever)s without hypotension or hypoxia"),
    "grade.crs.fever_with": gettext_noop("%(fever)s with %(finding)s"),
    "grade.crs.no_temperature": gettext_noop(
        "no temperature recorded and fever not masked by treatment: no CRS"
    ),
    "grade.crs.no_temperature_unexplained": gettext_noop(
        "no temperature recorded and fever not masked by treatment: no CRS "
        "(hypotension or hypoxia without fever is not graded as CRS)"
    ),
    "grade.crs.below_fever": gettext_noop(
        "highest temperature %(temperature)s °C, below %(fever_min)s °C, and fever not masked "
        "by treatment: no CRS"
    ),
    "grade.crs.below_fever_unexplained": gettext_noop(
        "highest temperature %(temperature)s °C, below %(fever_min)s °C, and fever not masked "
        "by treatment: no CRS (hypotension or hypoxia without fever is not graded as CRS)"
    ),
    # --- CRS: hypotension ---
    "grade.crs.hypotension": gettext_noop("hypotension not requiring vasopressors"),
    "grade.crs.one_vasopressor": gettext_noop("one vasopressor (%(drug)s)"),
    "grade.crs.one_vasopressor_with_vasopressin": gettext_noop(
        "one vasopressor (%(drug)s) with vasopressin"
    ),
    "grade.crs.multiple_vasopressors": gettext_noop("multiple vasopressors (%(drugs)s)"),
    "grade.crs.multiple_vasopressors_with_vasopressin": gettext_noop(
        "multiple vasopressors (%(drugs)s) with vasopressin"
    ),
    "grade.crs.vasopressin_alone": gettext_noop("vasopressin alone (one vasopressor)"),
    # Translators: a list of drug names, "norepinephrine, phenylephrine".
    "grade.list": gettext_noop("%(first)s, %(rest)s"),
    "grade.drug.norepinephrine": gettext_noop("norepinephrine"),
    "grade.drug.epinephrine": gettext_noop("epinephrine"),
    "grade.drug.phenylephrine": gettext_noop("phenylephrine"),
    "grade.drug.dopamine": gettext_noop("dopamine"),
    "grade.drug.vasopressin": gettext_noop("vasopressin"),
    "grade.drug.angiotensin_ii": gettext_noop("angiotensin II"),
    "grade.drug.metaraminol": gettext_noop("metaraminol"),
    # --- CRS: hypoxia ---
    "grade.crs.nasal_cannula_up_to": gettext_noop(
        "nasal cannula %(flow)s L/min (≤ %(limit)s L/min)"
    ),
    "grade.crs.nasal_cannula_above": gettext_noop(
        "nasal cannula %(flow)s L/min (> %(limit)s L/min)"
    ),
    "grade.crs.oxygen.room_air": gettext_noop("room air"),
    "grade.crs.oxygen.blow_by": gettext_noop("blow-by oxygen"),
    "grade.crs.oxygen.nasal_cannula": gettext_noop("nasal cannula"),
    "grade.crs.oxygen.high_flow_nasal_cannula": gettext_noop("high-flow nasal cannula"),
    "grade.crs.oxygen.face_mask": gettext_noop("face mask"),
    "grade.crs.oxygen.non_rebreather": gettext_noop("non-rebreather mask"),
    "grade.crs.oxygen.venturi": gettext_noop("Venturi mask"),
    "grade.crs.oxygen.cpap": gettext_noop("CPAP"),
    "grade.crs.oxygen.bipap": gettext_noop("BiPAP"),
    "grade.crs.oxygen.mechanical_ventilation": gettext_noop("mechanical ventilation"),
    # --- ICANS ---
    "grade.icans.nothing_ice": gettext_noop("ICE %(score)s/10, alert, with no other ICANS finding"),
    "grade.icans.nothing_capd": gettext_noop("CAPD %(score)s, alert, with no other ICANS finding"),
    # "ICE 5/10 (3–6)": the score and the band of the table it fell in.
    "grade.icans.score": gettext_noop("%(tool)s %(score)s/%(maximum)s (%(span)s)"),
    "grade.icans.unarousable_not_scored": gettext_noop(
        "unarousable (%(tool)s unable to be performed)"
    ),
    "grade.icans.consciousness.alert": gettext_noop("alert"),
    "grade.icans.consciousness.awakens_spontaneously": gettext_noop("awakens spontaneously"),
    "grade.icans.consciousness.awakens_to_voice": gettext_noop("awakens to voice"),
    "grade.icans.consciousness.awakens_to_touch": gettext_noop("awakens only to touch"),
    "grade.icans.consciousness.unarousable": gettext_noop("unarousable"),
    "grade.icans.seizure.resolved_rapidly": gettext_noop("seizure that resolved rapidly"),
    "grade.icans.seizure.prolonged_or_repetitive": gettext_noop(
        "prolonged (> 5 min) or repetitive seizures"
    ),
    "grade.icans.motor.deep_focal": gettext_noop(
        "deep focal motor weakness (hemiparesis or paraparesis)"
    ),
    "grade.icans.edema.focal": gettext_noop("focal cerebral oedema on imaging"),
    "grade.icans.edema.diffuse": gettext_noop("diffuse cerebral oedema or its signs"),
}

# What monitoring writes on a course's timeline, on its escalations and in its tasks' history
# (issue 17). The clinician's reason for ending monitoring follows "Monitoring ended:" as the
# human reason, in the words she typed.
EVENT_TEXTS = {
    "monitoring.ended": gettext_noop("Monitoring ended:"),
    "monitoring.escalation.crs": gettext_noop("CRS grade %(new)s (was %(old)s)"),
    "monitoring.escalation.icans": gettext_noop("ICANS grade %(new)s (was %(old)s)"),
    # Why tasks changed, in their history (prose, written in English, shown in the reader's
    # language by the chart history: core.system_text_legacy).
    "monitoring.tasks_icu": gettext_noop("ICU: assessed more often"),
    "monitoring.tasks_missed": gettext_noop("not done before the shift ended: missed"),
    "monitoring.tasks_sweep": gettext_noop("monitoring sweep"),
    "monitoring.tasks_ended": gettext_noop("monitoring ended"),
}
