"""Codes of the sentences the dose calculators write (issue 17): each calculation step,
warning and renal reason is stored as a code with parameters and said in the reader's
language; the wording is infusion/texts.py. Pure: nothing here imports Django."""

BSA_MOSTELLER = "infusion.bsa_mosteller"
BSA_MOSTELLER_CAPPED = "infusion.bsa_mosteller_capped"
BSA_CAPPED_WARNING = "infusion.bsa_capped_warning"
BSA_ABOVE_WARNING = "infusion.bsa_above_warning"
REGIMEN_UNVERIFIED = "infusion.regimen_unverified"
DOSE_PER_M2 = "infusion.dose_per_m2"
RENAL_NO_DOSE = "infusion.renal_no_dose"
RENAL_BAND_DOSE = "infusion.renal_band_dose"
RENAL_BAND_DOSE_NOT_LOWER = "infusion.renal_band_dose_not_lower"
RENAL_REDUCED = "infusion.renal_reduced"
RENAL_FULL_DOSE = "infusion.renal_full_dose"
# fludarabine_renal_adjustment's reason (the renal band alone, without a dose).
RENAL_REASON_NO_DOSE = "infusion.renal_reason_no_dose"
RENAL_REASON_BAND_DOSE = "infusion.renal_reason_band_dose"
RENAL_REASON_FULL_DOSE = "infusion.renal_reason_full_dose"
RENAL_REASON_REDUCE = "infusion.renal_reason_reduce"
# How the creatinine clearance was obtained (infusion/renal.py and the plan service).
COCKCROFT_GAULT = "infusion.cockcroft_gault"
WEIGHT_ACTUAL = "infusion.weight_actual"
WEIGHT_IDEAL = "infusion.weight_ideal"
WEIGHT_ADJUSTED = "infusion.weight_adjusted"
SEX_MALE = "infusion.sex_male"
SEX_FEMALE = "infusion.sex_female"
SEX_NOT_MALE = "infusion.sex_not_male"
CREATININE_REENTERED = "infusion.creatinine_reentered"
CLEARANCE_ENTERED = "infusion.clearance_entered"
# A recorded administration that differs from the plan (infusion/rules.py).
DEVIATION_DOSE = "infusion.deviation_dose"
DEVIATION_DAY = "infusion.deviation_day"
# Whether lymphodepletion is far enough after bridging (infusion/rules.py).
BRIDGING_NO_END = "infusion.bridging_no_end"
BRIDGING_MAY_START = "infusion.bridging_may_start"
BRIDGING_TOO_CLOSE = "infusion.bridging_too_close"
BRIDGING_OK = "infusion.bridging_ok"
