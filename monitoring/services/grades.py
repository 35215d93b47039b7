"""Grading bedside values into CRS and ICANS grades for an assessment."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .. import grading, vitals
from ..catalogue import VitalSignThreshold
from ..models import (
    Assessment,
)

ICE_ITEMS = ("ice_orientation", "ice_naming", "ice_commands", "ice_writing", "ice_attention")


# --- Grading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grades:
    crs: grading.GradeResult
    icans: grading.GradeResult | None
    ice_score: int | None
    # Where the measured vital signs overrode the nurse's boxes (monitoring/vitals.py).
    vitals_findings: tuple[vitals.Finding, ...] = ()

    @property
    def vitals_findings_json(self) -> list[dict]:
        return [{"code": f.code, "params": f.params} for f in self.vitals_findings]

    # The reasons as stored (core.system_text), for the |say filter and system_text.say().
    @property
    def crs_findings(self) -> list[dict]:
        return findings_json(self.crs)

    @property
    def icans_findings(self) -> list[dict]:
        return findings_json(self.icans)


def findings_json(result: grading.GradeResult | None) -> list[dict]:
    """A grade's reasons as stored (core.system_text): [{"code", "params"}, ...]."""
    return [finding.as_json() for finding in result.reasons] if result else []


def vital_thresholds() -> vitals.VitalThresholds:
    """The catalogue's thresholds; a row missing falls back to the seeded default."""
    rows = dict(VitalSignThreshold.objects.values_list("key", "value"))
    defaults = vitals.DEFAULT_THRESHOLDS
    return vitals.VitalThresholds(
        **{
            name: float(rows.get(name, getattr(defaults, name)))
            for name in vitals.VitalThresholds.__dataclass_fields__
        }
    )


def grade_values(
    *, age_years: int, values: dict, thresholds: vitals.VitalThresholds | None = None
) -> Grades:
    """Grade a set of bedside values; ValueError is turned into field errors.

    Hypotension and hypoxia are the worse of the nurse's boxes and the measured values
    (vitals.derive, issue 16 item 2); the ASTCT grading receives the result unchanged."""
    derived = vitals.derive(
        age_years=age_years,
        systolic_mmhg=_float_or_none(values.get("systolic_bp_mmhg")),
        diastolic_mmhg=_float_or_none(values.get("diastolic_bp_mmhg")),
        spo2_percent=_float_or_none(values.get("spo2_percent")),
        hypotension_ticked=bool(values.get("hypotension")),
        oxygen_device=values.get("oxygen_device") or "room_air",
        oxygen_flow_l_min=_float_or_none(values.get("oxygen_flow_l_min")),
        thresholds=thresholds or vital_thresholds(),
    )
    crs = _grade(
        grading.grade_crs_with_reason,
        temperature_c=float(values["temperature_c"]),
        fever_masked=bool(values.get("fever_masked")),
        hypotension=derived.hypotension,
        vasopressors=list(values.get("vasopressors") or []),
        oxygen_device=derived.oxygen_device,
        oxygen_flow_l_min=derived.oxygen_flow_l_min,
    )
    if not values.get("neuro_assessed"):
        return Grades(crs=crs, icans=None, ice_score=None, vitals_findings=derived.findings)
    items = [values.get(name) for name in ICE_ITEMS]
    child = grading.required_ice_for_age(age_years) == "capd"
    ice_score = None if child or any(v is None for v in items) else sum(int(v) for v in items)
    icans = _grade(
        grading.grade_icans_with_reason,
        age_years=age_years,
        ice_score=ice_score,
        capd_score=values.get("capd_score") if child else None,
        consciousness=values.get("consciousness") or "",
        seizure=values.get("seizure") or "none",
        motor_weakness=values.get("motor_weakness") or "none",
        cerebral_edema=values.get("cerebral_edema") or "none",
    )
    return Grades(crs=crs, icans=icans, ice_score=ice_score, vitals_findings=derived.findings)


def _float_or_none(value):
    return None if value in (None, "") else float(value)


# Grading names fields by the grading interface; the form names some differently.
_FIELD_FOR = {"ice_score": "ice_orientation", "oxygen_flow_l_min": "oxygen_flow_l_min"}


def _grade(function, **kwargs):
    try:
        return function(**kwargs)
    except ValueError as error:
        message = str(error)
        field = message.split(" ", 1)[0].strip(":")
        field = _FIELD_FOR.get(field, field)
        raise ValidationError(
            {field if field in _ASSESSMENT_FIELDS else "__all__": message}
        ) from None


_ASSESSMENT_FIELDS = {f.name for f in Assessment._meta.get_fields()}
