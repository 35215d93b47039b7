"""Who may move a course into each stage, and on what evidence.

A course enters a stage only through the service of the app that owns that stage's record
(house style §9). patients/ sits below the stage apps and imports none of them: each stage
app registers, from its AppConfig.ready(), for each stage it owns, the check that the record
exists and the name of the one service that moves the course there. The service saves the
record and then calls patients.services.course_enter_stage, which runs the check.

The generic stage change (page form, API, admin) keeps only the moves that need no record:
withdrawal, death, and the backward moves of rules.BACKWARD_MOVES, each with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from . import rules

# A check takes the (locked) course and returns None when the record exists, otherwise a
# message in the user's language naming what is missing and where to record it.
EvidenceCheck = Callable[[object], "str | None"]


@dataclass(frozen=True)
class StageEntry:
    stage: str
    # Dotted path of the one service that moves a course into the stage,
    # e.g. "eligibility.services.screening_start".
    service: str
    evidence_missing: EvidenceCheck
    # Where the user records the evidence, for the generic form's refusal
    # (a lazy translation, e.g. _("the Eligibility page: start the screening")).
    record_where: str
    # Writes the evidence as rows for a demo course walked back in time (seed_demo and the
    # stage-evidence test); keyword arguments course, by, on (the date).
    demo_record: Callable[..., object]


_ENTRIES: dict[str, StageEntry] = {}


def register(
    *,
    stage: str,
    service: str,
    evidence_missing: EvidenceCheck,
    record_where: str,
    demo_record: Callable[..., object],
) -> None:
    """Declare the owner of a stage. A stage has exactly one owner; registering the same
    service again (a second ready() call) is harmless, a different one is a mistake."""
    if stage not in rules.GUARDED_STAGES:
        raise ImproperlyConfigured(f"{stage!r} is not a stage entered on evidence")
    entry = StageEntry(
        stage=stage,
        service=service,
        evidence_missing=evidence_missing,
        record_where=record_where,
        demo_record=demo_record,
    )
    existing = _ENTRIES.get(stage)
    if existing is not None and existing.service != service:
        raise ImproperlyConfigured(
            f"Stage {stage!r} is already entered through {existing.service}; "
            f"{service} cannot own it too."
        )
    _ENTRIES[stage] = entry


# Demo rows an EARLIER stage's app must add before a later stage's evidence can exist (the
# product released and received by apheresis before lymphodepletion): the later app may not
# write an earlier stage's records (README, Architecture), so the earlier app registers them.
_DEMO_STEPS_BEFORE: dict[str, list[Callable[..., object]]] = {}


def register_demo_step_before(*, stage: str, demo_record: Callable[..., object]) -> None:
    steps = _DEMO_STEPS_BEFORE.setdefault(stage, [])
    if demo_record not in steps:
        steps.append(demo_record)


def demo_evidence(stage: str, *, course, by, on) -> None:
    """Write a demo course's evidence for ``stage`` as rows: the earlier apps' steps first,
    then the owning app's record (seed_demo, the monitoring demo, the stage-evidence test)."""
    for step in _DEMO_STEPS_BEFORE.get(stage, []):
        step(course=course, by=by, on=on)
    entry_for(stage).demo_record(course=course, by=by, on=on)


def entry_for(stage: str) -> StageEntry | None:
    return _ENTRIES.get(stage)


def registered() -> dict[str, StageEntry]:
    """A copy of the registry, for the completeness test and the README table."""
    return dict(_ENTRIES)


def generic_move_refusal(from_stage: str, to_stage: str) -> str | None:
    """The refusal the generic stage change gives for a move that needs a record (None for
    a move it may make): names the stage and where its record is entered."""
    if to_stage not in rules.GUARDED_STAGES or rules.is_evidence_free_move(from_stage, to_stage):
        return None
    from .models import Stage

    label = dict(Stage.choices).get(to_stage, to_stage)
    entry = entry_for(to_stage)
    if entry is None:
        return _("A course enters %(to)s only through the page that records its evidence.") % {
            "to": label
        }
    return _(
        "A course enters %(to)s only when its record is saved: use %(where)s. "
        "This form only ends a course or moves it back a stage."
    ) % {"to": label, "where": entry.record_where}
