"""Pure rules for the patient registry and the treatment-course stages.

Nothing here touches the database or imports Django, so a clinician can read the
rules and the tests can exercise every transition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Plausibility limits for anthropometry: outside these a typing error is far more likely
# than a real patient (kg and cm, adults and children).
WEIGHT_KG_RANGE = (1.0, 350.0)
HEIGHT_CM_RANGE = (40.0, 250.0)


def body_surface_area_m2(*, height_cm: float, weight_kg: float) -> float:
    """Mosteller body surface area, √(height_cm × weight_kg / 3600), not rounded.

    Source: Mosteller, N Engl J Med 1987;317:1098 (clinical reference §4).
    """
    _check_range("height_cm", height_cm, HEIGHT_CM_RANGE)
    _check_range("weight_kg", weight_kg, WEIGHT_KG_RANGE)
    return math.sqrt(float(height_cm) * float(weight_kg) / 3600.0)


def _check_range(field: str, value: float, bounds: tuple[float, float]) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        and not hasattr(value, "__float__")
    ):
        raise ValueError(f"{field} must be a number")
    low, high = bounds
    if not low <= float(value) <= high:
        raise ValueError(f"{field} must be between {low:g} and {high:g}, got {value}")


def age_in_years(*, date_of_birth: date, on: date) -> int:
    """Completed years of age on a given day (a birthday on 29 February counts from 1 March)."""
    if date_of_birth > on:
        raise ValueError("date_of_birth is after the date the age is wanted for")
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


# --- Treatment-course stages -------------------------------------------------------------

REFERRED = "referred"
SCREENING = "screening"
ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
CONSENTED = "consented"
APHERESIS = "apheresis"
MANUFACTURING = "manufacturing"
BRIDGING = "bridging"
LYMPHODEPLETION = "lymphodepletion"
INFUSION = "infusion"
MONITORING = "monitoring"
FOLLOW_UP = "follow_up"
COMPLETED = "completed"
WITHDRAWN = "withdrawn"
DECEASED = "deceased"

STAGE_ORDER: tuple[str, ...] = (
    REFERRED,
    SCREENING,
    ELIGIBLE,
    NOT_ELIGIBLE,
    CONSENTED,
    APHERESIS,
    MANUFACTURING,
    BRIDGING,
    LYMPHODEPLETION,
    INFUSION,
    MONITORING,
    FOLLOW_UP,
    COMPLETED,
    WITHDRAWN,
    DECEASED,
)

TERMINAL_STAGES = frozenset({COMPLETED, WITHDRAWN, DECEASED})

# Forward path of a course. Withdrawal and death are possible from every stage that is not
# terminal and are added below, so they are not repeated on each line.
_FORWARD: dict[str, frozenset[str]] = {
    REFERRED: frozenset({SCREENING}),
    SCREENING: frozenset({ELIGIBLE, NOT_ELIGIBLE}),
    # An eligible patient may be re-screened (new labs) before consent.
    ELIGIBLE: frozenset({CONSENTED, SCREENING}),
    # A patient found not eligible may be re-screened once the reason is fixed.
    NOT_ELIGIBLE: frozenset({SCREENING}),
    CONSENTED: frozenset({APHERESIS}),
    APHERESIS: frozenset({MANUFACTURING}),
    # Bridging is optional; a manufacturing failure sends the patient back to collection.
    MANUFACTURING: frozenset({BRIDGING, LYMPHODEPLETION, APHERESIS}),
    BRIDGING: frozenset({LYMPHODEPLETION}),
    LYMPHODEPLETION: frozenset({INFUSION}),
    INFUSION: frozenset({MONITORING}),
    MONITORING: frozenset({FOLLOW_UP}),
    FOLLOW_UP: frozenset({COMPLETED}),
}

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    stage: (_FORWARD.get(stage, frozenset()) | {WITHDRAWN, DECEASED})
    if stage not in TERMINAL_STAGES
    else frozenset()
    for stage in STAGE_ORDER
}

# From consent on, doses, labels and checks rest on the patient's record: edits need a reason.
REASON_FOR_CHANGE_STAGES = frozenset(
    {
        CONSENTED,
        APHERESIS,
        MANUFACTURING,
        BRIDGING,
        LYMPHODEPLETION,
        INFUSION,
        MONITORING,
        FOLLOW_UP,
    }
)

# Moves that undo progress or end a course must say why; the reason stays on the timeline.
BACKWARD_MOVES = frozenset(
    {(ELIGIBLE, SCREENING), (NOT_ELIGIBLE, SCREENING), (MANUFACTURING, APHERESIS)}
)

# Stages a course enters only with their record, through the owning app's service
# (patients/stage_entry.py). Referral opens a course; withdrawal and death need no record.
EVIDENCE_FREE_STAGES = frozenset({WITHDRAWN, DECEASED})
GUARDED_STAGES: tuple[str, ...] = tuple(
    s for s in STAGE_ORDER if s != REFERRED and s not in EVIDENCE_FREE_STAGES
)


def is_evidence_free_move(from_stage: str, to_stage: str) -> bool:
    """Whether the generic stage change may make this move: ending the course (withdrawn,
    deceased) or going back a stage. Every other move is made by the service that records
    the stage's evidence."""
    return to_stage in EVIDENCE_FREE_STAGES or (from_stage, to_stage) in BACKWARD_MOVES


# Who may move a course into a stage. Clinicians decide; the apheresis coordinator records
# collection and shipment to the manufacturer; ward nurses start the infusion and hand the
# patient over to monitoring. Pharmacists, administrators and auditors never move a course.
CLINICIAN = "clinician"
NURSE = "nurse"
APHERESIS_COORDINATOR = "apheresis_coordinator"

ROLES_FOR_TARGET: dict[str, frozenset[str]] = {
    stage: frozenset({CLINICIAN}) for stage in STAGE_ORDER
}
ROLES_FOR_TARGET[APHERESIS] = frozenset({CLINICIAN, APHERESIS_COORDINATOR})
ROLES_FOR_TARGET[MANUFACTURING] = frozenset({CLINICIAN, APHERESIS_COORDINATOR})
ROLES_FOR_TARGET[INFUSION] = frozenset({CLINICIAN, NURSE})
ROLES_FOR_TARGET[MONITORING] = frozenset({CLINICIAN, NURSE})
ROLES_THAT_MOVE_COURSES = frozenset().union(*ROLES_FOR_TARGET.values())


@dataclass(frozen=True)
class TransitionCheck:
    allowed: bool
    reason_required: bool
    # "ok", "same", "ended", "not_allowed", "role" or "reason": lets the caller word the
    # refusal in the user's language.
    code: str
    message: str


def reason_required(from_stage: str, to_stage: str) -> bool:
    return (from_stage, to_stage) in BACKWARD_MOVES or to_stage in TERMINAL_STAGES


def check_transition(
    *, from_stage: str, to_stage: str, roles: frozenset[str] | set[str], reason: str = ""
) -> TransitionCheck:
    """Say whether a course may move from one stage to another, and if not, why."""
    for field, value in (("from_stage", from_stage), ("to_stage", to_stage)):
        if value not in STAGE_ORDER:
            raise ValueError(f"{field} is not a known stage: {value!r}")
    needs_reason = reason_required(from_stage, to_stage)
    if from_stage == to_stage:
        return TransitionCheck(
            False, needs_reason, "same", f"The course is already in stage {to_stage}."
        )
    if from_stage in TERMINAL_STAGES:
        return TransitionCheck(
            False,
            needs_reason,
            "ended",
            f"The course has ended ({from_stage}); it cannot change stage.",
        )
    if to_stage not in ALLOWED_TRANSITIONS[from_stage]:
        allowed = ", ".join(s for s in STAGE_ORDER if s in ALLOWED_TRANSITIONS[from_stage])
        return TransitionCheck(
            False,
            needs_reason,
            "not_allowed",
            f"A course cannot go from {from_stage} to {to_stage}; allowed next stages: {allowed}.",
        )
    if not set(roles) & ROLES_FOR_TARGET[to_stage]:
        return TransitionCheck(
            False, needs_reason, "role", f"Your role may not move a course to {to_stage}."
        )
    if needs_reason and not reason.strip():
        return TransitionCheck(
            False,
            needs_reason,
            "reason",
            f"Moving a course from {from_stage} to {to_stage} needs a reason.",
        )
    return TransitionCheck(True, needs_reason, "ok", "")


# --- Day numbers relative to infusion (Day 0) -------------------------------------------
# Calendar dates only: a day number computed from datetimes would shift by one across a DST
# change or near midnight, so datetimes are refused.

MINUS_SIGN = "\u2212"


def _plain_date(field: str, value: object) -> None:
    # datetime is a subclass of date, so it has to be refused explicitly.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{field} must be a date (not a datetime), got {value!r}")


def _whole_number(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number of days, got {value!r}")


def day_number(*, day0: date, on: date) -> int:
    """Day relative to Day 0 (infusion): the day before is −1, there is no gap at 0."""
    _plain_date("day0", day0)
    _plain_date("on", on)
    return (on - day0).days


def date_of_day(*, day0: date, day: int) -> date:
    """Calendar date of a day number relative to Day 0."""
    _plain_date("day0", day0)
    _whole_number("day", day)
    return day0 + timedelta(days=day)


def signed_day(n: int) -> str:
    """'−5' (with a true minus sign), '0', '+14': the number in a day label, in any language."""
    _whole_number("n", n)
    if n < 0:
        return f"{MINUS_SIGN}{-n}"
    if n == 0:
        return "0"
    return f"+{n}"


def format_day(n: int) -> str:
    """'Day −5' (with a true minus sign), 'Day 0', 'Day +14', as the ward writes them, in
    English. Pages say it in the reader's language with patients.days.day_label."""
    return f"Day {signed_day(n)}"
