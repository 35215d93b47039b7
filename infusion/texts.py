"""The sentences infusion's rules and services write, as code -> msgid (issue 17): the plan's
calculation steps, warnings, renal reasons, how the clearance was obtained and a dose's
deviation are stored as codes with parameters (core.system_text) and said in the reader's
language. The codes are infusion/dosing/codes.py; the English the pure rules write next to
them is this wording (tests/infusion/test_dose_texts.py holds the two together)."""

from django.utils.translation import gettext_noop

from .dosing import codes

# The fludarabine renal tables' names (infusion/dosing/tables.py RENAL_TABLE_SOURCES), shown
# by LymphodepletionPlan.get_renal_table_display.
RENAL_TABLE_NAMES = (
    gettext_noop("US fludarabine phosphate injection label (CrCl 30–70 → −20%)"),
    gettext_noop("Older Fludara label (≥ 80 full, 50–79 → 20, 30–49 → 15 mg/m²)"),
)

TEXTS = {
    codes.BSA_MOSTELLER: gettext_noop("BSA √(%(height)s cm × %(weight)s kg / 3600) = %(bsa)s m²"),
    codes.BSA_MOSTELLER_CAPPED: gettext_noop(
        "BSA √(%(height)s cm × %(weight)s kg / 3600) = %(bsa)s m², capped at %(cap)s m²"
    ),
    codes.BSA_CAPPED_WARNING: gettext_noop("BSA %(bsa)s m² capped at %(cap)s m² (centre setting)."),
    codes.BSA_ABOVE_WARNING: gettext_noop(
        "BSA %(bsa)s m² is above %(limit)s m²: check whether the centre caps BSA or doses on "
        "adjusted weight."
    ),
    codes.REGIMEN_UNVERIFIED: gettext_noop(
        "Regimen %(key)s is UNVERIFIED: institutional default — review."
    ),
    codes.DOSE_PER_M2: gettext_noop("%(per_m2)s mg/m² × %(bsa)s m² = %(dose)s mg"),
    codes.RENAL_NO_DOSE: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s) → do not give without a clinician's decision"
    ),
    codes.RENAL_BAND_DOSE: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s) → %(band_dose)s mg/m² × %(bsa)s m² = %(dose)s mg"
    ),
    codes.RENAL_BAND_DOSE_NOT_LOWER: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s) → %(band_dose)s mg/m² × %(bsa)s m² = %(dose)s mg "
        "(not above the regimen dose)"
    ),
    codes.RENAL_REDUCED: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s) → −%(percent)s%% = %(dose)s mg"
    ),
    codes.RENAL_FULL_DOSE: gettext_noop("CrCl %(crcl)s mL/min (%(band)s) → full dose"),
    codes.RENAL_REASON_NO_DOSE: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s): do not give fludarabine without a clinician's decision."
    ),
    codes.RENAL_REASON_BAND_DOSE: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s): %(band_dose)s mg/m²."
    ),
    codes.RENAL_REASON_FULL_DOSE: gettext_noop("CrCl %(crcl)s mL/min (%(band)s): full dose."),
    codes.RENAL_REASON_REDUCE: gettext_noop(
        "CrCl %(crcl)s mL/min (%(band)s): reduce by %(percent)s%%."
    ),
    codes.COCKCROFT_GAULT: gettext_noop(
        "Cockcroft–Gault: (140 − %(age)s y) × %(weight)s kg (%(basis)s) / (72 × %(mg_dl)s mg/dL "
        "[creatinine %(umol)s µmol/L]), %(sex)s = %(crcl)s mL/min"
    ),
    codes.WEIGHT_ACTUAL: gettext_noop("actual weight"),
    codes.WEIGHT_IDEAL: gettext_noop("ideal weight"),
    codes.WEIGHT_ADJUSTED: gettext_noop("adjusted weight"),
    codes.SEX_MALE: gettext_noop("male"),
    codes.SEX_FEMALE: gettext_noop("female × 0.85"),
    codes.SEX_NOT_MALE: gettext_noop("sex not male: × 0.85"),
    # Already translated where the plan service wrote it with gettext.
    codes.CREATININE_REENTERED: gettext_noop(
        "(creatinine older than %(days)d days, re-entered by the clinician)"
    ),
    codes.CLEARANCE_ENTERED: gettext_noop("Creatinine clearance entered by the clinician."),
    codes.DEVIATION_DOSE: gettext_noop(
        "%(given)s mg given, %(planned)s mg planned (%(difference)s%% > %(tolerance)s%%)"
    ),
    codes.DEVIATION_DAY: gettext_noop("given on %(given_on)s, planned for %(planned_on)s"),
    codes.BRIDGING_NO_END: gettext_noop(
        "Bridging has no end date: lymphodepletion cannot be timed yet."
    ),
    codes.BRIDGING_MAY_START: gettext_noop("Lymphodepletion may start on %(earliest)s or later."),
    codes.BRIDGING_TOO_CLOSE: gettext_noop(
        "Lymphodepletion starts %(first)s, less than %(days)s days after bridging ended "
        "(%(ended)s); earliest %(earliest)s."
    ),
    codes.BRIDGING_OK: gettext_noop("Bridging ended early enough."),
}

# What infusion writes on a course's timeline and as a plan signature's void reason (issue 17).
EVENT_TEXTS = {
    "infusion.bridging_recorded": gettext_noop("Bridging therapy recorded."),
    # Why a plan's signature is void: Signature.void_reason is one prose column, written in
    # English and shown in the reader's language (core.system_text_legacy, the |said filter).
    "infusion.plan_recalculated": gettext_noop("Plan recalculated: %(r)s"),
    "infusion.dose_decided": gettext_noop("Dose decided by a clinician: %(r)s"),
    "infusion.signature_replaced": gettext_noop("Replaced by a new signature."),
    "infusion.day0_moved": gettext_noop("Day 0 moved from %(old)s to %(new)s."),
}
