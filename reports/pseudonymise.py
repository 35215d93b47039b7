"""Pseudonymised exports (issue 14, item 4): what an administrator's export may contain.

Pure rules, no Django. An export row is reshaped column by column, by header:

- the MRN becomes a stable study code, an HMAC-SHA256 of the MRN under a secret key
  (settings.STUDY_CODE_KEY): the same patient has the same code in every file and every
  dataset, so files can be linked, but the MRN cannot be recovered without the key;
- names are dropped; a birth date becomes the birth year, an age the five-year band
  (HIPAA Safe Harbor, 45 CFR 164.514(b)(2): dates other than the year, names and record
  numbers are identifiers; we keep clinical event dates, which the analyses need);
- free text typed by staff (stage-change reasons, audit change reasons, subtype and drug
  text) is dropped: anything can be written there, a name or a telephone number included;
- every other column must be listed as safe here; a column nobody classified is dropped
  (fail closed), and tests/reports/test_pseudonymised.py asserts every column is classified,
  so a new column gets a decision.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

STUDY_CODE_PREFIX = "S-"
STUDY_CODE_HEX_DIGITS = 16  # 64 bits: no collision expected in any centre's lifetime
AGE_BAND_YEARS = 5

DROPPED = frozenset(
    {
        "family_name",
        "given_name",
        "reason",  # stage changes: typed by staff
        "change_reason",  # audit trail: typed by staff
        "diagnosis_subtype",  # free text
        "drug",  # free text
    }
)

# Columns kept as they are: ids, codes, measurements, grades, clinical event dates, staff
# usernames and rule-generated text. Everything not here, in DROPPED or in the transforms
# below is dropped.
KEPT = frozenset(
    {
        # ids and codes
        "patient_id",
        "course_id",
        "event_id",
        "screening_id",
        "assessment_id",
        "intervention_id",
        "visit_id",
        "record_id",
        "history_id",
        "product",
        "product_generic_name",
        "target_antigen",
        "diagnosis",
        "stage",
        "current_stage",
        "from_stage",
        "to_stage",
        "sex",
        "ward",
        "kind",
        "route",
        "scheduled_visit",
        "contact_type",
        "oxygen_device",
        "consciousness",
        "imaging_method",
        "mdt_decision",
        "mdt_rule_result",
        "vital_status",
        "death_cause",
        "lugano_response",
        "best_response",
        "pfs_end_reason",
        "change_type",
        "model",
        "changed_fields",
        # staff, not patients
        "attending_clinician",
        "opened_by",
        "changed_by",
        "recorded_by",
        # dates and times of clinical events
        "registered_at",
        "opened_at",
        "recorded_at",
        "changed_at",
        "referred_on",
        "planned_day0_date",
        "day0_date",
        "effective_date",
        "assessed_on",
        "assessed_at",
        "given_at",
        "visit_date",
        "death_date",
        "mdt_decided_on",
        "consented_on",
        "infusion_stage_date",
        "apheresis_stage_date",
        "lymphodepletion_stage_date",
        "apheresis_date",
        "bridging_date",
        "lymphodepletion_start_date",
        "best_response_date",
        "progression_date",
        "last_known_alive_date",
        "new_therapy_start_date",
        "crs_onset_date",
        "crs_max_grade_date",
        "icans_onset_date",
        "icans_max_grade_date",
        "tocilizumab_first_date",
        "corticosteroid_first_date",
        # measurements, scores, grades, counts, flags
        "day_number",
        "weight_kg",
        "height_cm",
        "bsa_m2",
        "ecog",
        "crcl_ml_min",
        "bilirubin_mg_dl",
        "alt_u_l",
        "alt_uln_u_l",
        "ast_u_l",
        "ast_uln_u_l",
        "lvef_percent",
        "spo2_percent",
        "haemoglobin_g_dl",
        "platelets_10e9_l",
        "anc_10e9_l",
        "alc_10e9_l",
        "ldh_u_l",
        "ldh_uln_u_l",
        "ferritin_ng_ml",
        "crp_mg_dl",
        "largest_lesion_cm",
        "cns_involvement",
        "active_infection",
        "prior_autologous_transplant",
        "hbv",
        "hcv",
        "hiv",
        "prior_lines",
        "temperature_c",
        "heart_rate_bpm",
        "systolic_bp_mmhg",
        "diastolic_bp_mmhg",
        "respiratory_rate_per_min",
        "oxygen_flow_l_min",
        "hypotension",
        "vasopressors",
        "fever_masked",
        "ice_score",
        "capd_score",
        "seizure",
        "motor_weakness",
        "cerebral_edema",
        "crs_grade",
        "crs_reason",  # written by the grading rules, not typed
        "icans_grade",
        "icans_reason",  # written by the grading rules, not typed
        "dose_mg",
        "deauville_score",
        "neutrophils_10e9_l",
        "lymphocytes_10e9_l",
        "igg_g_l",
        "b_cells_per_ul",
        "car_t_persistence",
        "car_t_copies_per_ug_dna",
        "cytopenia_grade",
        "ivig_given",
        "referral_to_infusion_days",
        "apheresis_to_infusion_days",
        "crs_assessed",
        "crs_max_grade",
        "crs_onset_day",
        "icans_max_grade",
        "icans_onset_day",
        "tocilizumab_given",
        "tocilizumab_doses",
        "corticosteroids_given",
        "corticosteroid_doses",
        "anakinra_given",
        "icu_transfer",
        "pfs_days",
        "pfs_event",
        "os_days",
        "os_event",
        "lost_to_follow_up",
        "data_issue",  # written by the outcome rules
    }
)


def study_code(mrn: Any, *, key: bytes) -> str:
    """The MRN's stable pseudonym: HMAC-SHA256 under the centre's secret key, truncated."""
    if mrn in (None, ""):
        return ""
    digest = hmac.new(key, str(mrn).strip().upper().encode(), hashlib.sha256).hexdigest()
    return STUDY_CODE_PREFIX + digest[:STUDY_CODE_HEX_DIGITS].upper()


def birth_year(value: Any) -> Any:
    if isinstance(value, date):
        return value.year
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])  # an ISO date already written as a cell
    return None


def age_band(value: Any) -> str:
    """An age in years as its five-year band, e.g. 62 -> "60-64"; 90 and over together
    (Safe Harbor aggregates ages over 89)."""
    if value in (None, ""):
        return ""
    years = int(value)
    if years >= 90:
        return "90+"
    low = years - years % AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


# header -> (new header, transform given the value and the key)
TRANSFORMED: dict[str, tuple[str, Callable[[Any, bytes], Any]]] = {
    "mrn": ("study_code", lambda value, key: study_code(value, key=key)),
    "date_of_birth": ("birth_year", lambda value, key: birth_year(value)),
    "age_at_infusion_years": ("age_band_at_infusion", lambda value, key: age_band(value)),
}


def classified(header: str) -> bool:
    return header in KEPT or header in DROPPED or header in TRANSFORMED


@dataclass(frozen=True)
class Plan:
    """How one dataset's rows are reshaped: the new header, and per kept column its position
    in the identifiable row and its transform (None: as it is)."""

    header: list[str]
    steps: tuple[tuple[int, Callable[[Any, bytes], Any] | None], ...]
    key: bytes

    def row(self, row: list) -> list:
        return [
            row[index] if transform is None else transform(row[index], self.key)
            for index, transform in self.steps
        ]

    def rows(self, rows: Iterable[list]) -> Iterable[list]:
        return map(self.row, rows)


def plan(header: list[str], *, key: bytes) -> Plan:
    new_header, steps = [], []
    for index, name in enumerate(header):
        if name in TRANSFORMED:
            new_name, transform = TRANSFORMED[name]
            new_header.append(new_name)
            steps.append((index, transform))
        elif name in KEPT:
            new_header.append(name)
            steps.append((index, None))
    return Plan(new_header, tuple(steps), key)
