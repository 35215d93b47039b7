"""The words, in the reader's language, for the codes the pure rules return
(vitals.py findings, advice.py reasons, ending.py reasons)."""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.clock import local_when

VITALS_FINDINGS = {
    "systolic_low": gettext_lazy("systolic %(systolic)s mmHg is below %(limit)s mmHg"),
    "systolic_low_child": gettext_lazy(
        "systolic %(systolic)s mmHg is below %(limit)s mmHg, the limit for the child's age (PALS)"
    ),
    "map_low": gettext_lazy("mean arterial pressure %(map)s mmHg is below %(limit)s mmHg"),
    "hypotension_from_numbers": gettext_lazy(
        "graded as hypotension although the box was not ticked (the worse of box and numbers)"
    ),
    "hypotension_box_only": gettext_lazy(
        "hypotension ticked although the measured pressure %(systolic)s/%(diastolic)s mmHg is "
        "not below the thresholds: graded on the box (the worse)"
    ),
    "spo2_low_room_air": gettext_lazy(
        "SpO₂ %(spo2)s%% on room air is below %(limit)s%%: hypoxia needing oxygen, graded as at "
        "least low-flow oxygen (grade %(grade)s)"
    ),
}

ADVICE_BECAUSE = {
    "crs_ge_2": gettext_lazy("CRS grade %(crs)s"),
    "crs1_persistent": gettext_lazy("CRS grade 1 for more than 3 days"),
    "crs2_not_improving": gettext_lazy("CRS grade 2 not improving %(hours)s h after tocilizumab"),
    "crs_3": gettext_lazy("CRS grade %(crs)s"),
    "crs_4": gettext_lazy("CRS grade %(crs)s"),
    "icans_ge_2": gettext_lazy("ICANS grade %(icans)s"),
    "product_protocol": gettext_lazy("the product's label or the institutional protocol"),
}

ENDING_REASONS = {
    "window_open": gettext_lazy("the label window runs until Day +%(days)s (%(until)s)"),
    "grade_active": gettext_lazy("latest %(scale)s grade is %(grade)s"),
    "escalation_open": gettext_lazy("%(count)s escalation(s) not yet acknowledged"),
    "treatment_recent": gettext_lazy("%(drug)s given %(when)s, within the last 48 h"),
    "no_assessment": gettext_lazy("no assessment recorded yet"),
    "may_end": gettext_lazy(
        "label window over, latest grades 0, no open escalation, no tocilizumab or steroid "
        "in the last 48 h"
    ),
}


def _say(table: dict, code: str, params: dict) -> str:
    template = table.get(code)
    if template is None:
        return code
    return str(template) % params


def vitals_findings_text(findings) -> str:
    """Findings as stored on an assessment ([{"code", "params"}]) or as vitals.Finding."""
    parts = []
    for finding in findings or ():
        if isinstance(finding, dict):
            parts.append(_say(VITALS_FINDINGS, finding["code"], finding.get("params", {})))
        else:
            parts.append(_say(VITALS_FINDINGS, finding.code, finding.params))
    return "; ".join(parts)


def advice_because_text(code: str, params: dict) -> str:
    return _("because: %(why)s") % {"why": _say(ADVICE_BECAUSE, code, params)}


def ending_reason_text(code: str, params: dict) -> str:
    shown = {k: local_when(v) if isinstance(v, datetime) else v for k, v in params.items()}
    return _say(ENDING_REASONS, code, shown)
