"""Words for the pure rules' codes, in the user's language (the rules speak no Django)."""

from django.utils.translation import gettext_lazy as _

from catalogue.models import DrugClass
from catalogue.texts import seeded_text

from . import rules
from .models import WashoutClass

CRITERION_LABELS = {
    "diagnosis": _("Approved indication"),
    "prior_lines": _("Prior lines of systemic therapy"),
    "first_line_outcome": _("First line refractory or early relapse"),
    "first_line_classes": _("First-line chemoimmunotherapy"),
    "refractory_or_second_relapse": _("Refractory or second or later relapse"),
    "last_line_outcome": _("Second-line or later therapy: refractory or early relapse"),
    "transplant": _("Transplant rule"),
    "age": _("Age (years)"),
    "prior_drug_classes": _("Prior drug classes"),
    "lenalidomide_refractory": _("Lenalidomide-refractory"),
    "ecog": _("ECOG performance status"),
    "anc": _("ANC"),
    "alc": _("ALC"),
    "platelets": _("Platelets"),
    "crcl": _("Creatinine clearance"),
    "alt": _("ALT"),
    "ast": _("AST"),
    "bilirubin": _("Total bilirubin"),
    "lvef": _("LVEF"),
    "spo2": _("SpO2 on room air"),
    "infection": _("No active uncontrolled infection"),
    "cns": _("No active CNS involvement"),
    "serology": _("HBV / HCV / HIV screened"),
    "pregnancy": _("Not pregnant"),
}

STATUS_LABELS = {
    rules.MET: _("met"),
    rules.NOT_MET: _("not met"),
    rules.MISSING: _("missing"),
}
STATUS_CLASSES = {rules.MET: "success", rules.NOT_MET: "danger", rules.MISSING: "warning"}

RESULT_LABELS = {
    rules.ELIGIBLE: _("Eligible"),
    rules.NOT_ELIGIBLE: _("Not eligible"),
    rules.INCOMPLETE: _("Incomplete"),
}
RESULT_CLASSES = {
    rules.ELIGIBLE: "success",
    rules.NOT_ELIGIBLE: "danger",
    rules.INCOMPLETE: "warning",
}

# Reason codes other than "compare" (which is written with symbols only).
REASONS = {
    "missing": _("Not recorded."),
    "missing_uln": _("Value or upper limit of normal not recorded."),
    "not_indicated": _(
        "%(product)s is not indicated for %(diagnosis)s (indicated for: %(indicated)s)."
    ),
    "indicated": _("%(diagnosis)s: %(indication)s."),
    "no_lines": _("No prior line of systemic therapy recorded."),
    "first_line_missing": _("First line not recorded."),
    "first_line_refractory": _("Refractory to the first line (best response %(response)s)."),
    "first_line_response_missing": _("Best response to the first line not recorded."),
    "first_line_dates_missing": _("First-line end date or relapse date not recorded."),
    "first_line_early_relapse": _(
        "Relapse on %(relapse)s, within %(months)s months of the first line's end (%(end)s)."
    ),
    "first_line_late_relapse": _(
        "Relapse on %(relapse)s, more than %(months)s months after the first line's end (%(end)s)."
    ),
    "first_line_classes_lacking": _(
        "The first line did not include: %(classes)s (chemoimmunotherapy)."
    ),
    "first_line_classes_seen": _("First line included: %(classes)s."),
    "refractory": _("Refractory (line %(line)s: best response %(response)s)."),
    "second_relapse": _("Relapse number %(relapses)s."),
    "line_response_missing": _("Best response of line %(line)s not recorded."),
    "first_relapse": _(
        "First relapse: not an indication (refractory or second or later relapse only)."
    ),
    "not_relapsed_or_refractory": _("Neither refractory nor relapsed."),
    "no_second_line": _("No second-line therapy recorded."),
    "last_line_refractory": _("Refractory to line %(line)s (best response %(response)s)."),
    "last_line_response_missing": _("Best response to line %(line)s not recorded."),
    "last_line_dates_missing": _("End date or relapse date of line %(line)s not recorded."),
    "last_line_early_relapse": _(
        "Relapse on %(relapse)s, within %(months)s months of the end of line %(line)s (%(end)s)."
    ),
    "last_line_late_relapse": _(
        "Relapse on %(relapse)s, more than %(months)s months after the end of line %(line)s "
        "(%(end)s)."
    ),
    "transplant_failed": _("Relapsed or refractory after autologous transplant."),
    "not_candidate": _("Not a candidate for autologous transplant."),
    "candidate": _(
        "A candidate for autologous transplant: this indication is for patients who are not."
    ),
    "transplant_missing": _("Prior transplant or its outcome not recorded."),
    "candidate_missing": _("Whether the patient is a transplant candidate is not recorded."),
    "classes_lacking": _("No prior exposure recorded to: %(classes)s."),
    "classes_seen": _("Prior exposure to: %(classes)s."),
    "yes": _("Yes."),
    "no": _("No."),
    "present": _("Present."),
    "absent": _("Absent."),
    "not_screened": _("Not screened: %(viruses)s."),
    "screened_positive": _("Screened; positive: %(viruses)s — plan antiviral prophylaxis."),
    "screened_negative": _("Screened, all negative."),
    "pregnant": _("Pregnant."),
    "not_applicable": _("Not applicable."),
    "not_pregnant": _("Pregnancy test negative."),
}

SIGNAL_LABELS = {
    "bulky_disease": _("Bulky disease (largest lesion, cm)"),
    "ldh_above_normal": _("LDH above the upper limit of normal"),
    "poor_performance": _("ECOG 2 or more"),
    "low_haemoglobin": _("Low haemoglobin (g/dL)"),
    "low_platelets": _("Low platelets (×10⁹/L)"),
    "many_prior_lines": _("Many prior lines"),
}

HEMATOTOX_LABELS = {
    "anc": _("ANC (×10⁹/L)"),
    "haemoglobin": _("Haemoglobin (g/dL)"),
    "platelets": _("Platelets (×10⁹/L)"),
    "crp": _("CRP (mg/dL)"),
    "ferritin": _("Ferritin (ng/mL)"),
}


def _class_names(codes) -> str:
    labels = dict(DrugClass.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def reason_text(criterion: rules.Criterion) -> str:
    if criterion.code == "compare":
        return str(criterion.params.get("text", criterion.reason))
    template = REASONS.get(criterion.code)
    if template is None:
        return criterion.reason
    params = dict(criterion.params)
    if "classes" in params:
        params["classes"] = _class_names(params["classes"])
    if "indication" in params:
        params["indication"] = seeded_text(str(params["indication"]))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return criterion.reason


def snapshot_reason_text(entry: dict) -> str:
    """One line of an MDT decision's criteria snapshot in the reader's language; a snapshot
    saved before the codes were kept shows its English."""
    if not entry.get("code"):
        return str(entry.get("reason", ""))
    criterion = rules.Criterion(
        key=entry.get("key", ""),
        status=entry.get("status", ""),
        reason=str(entry.get("reason", "")),
        code=entry["code"],
        params=entry.get("params") or {},
    )
    return reason_text(criterion)


def criterion_rows(result: rules.EligibilityResult, thresholds) -> list[dict]:
    rows = []
    for c in result.criteria:
        table = [thresholds[k] for k in c.threshold_keys if k in thresholds]
        rows.append(
            {
                "key": c.key,
                "label": CRITERION_LABELS.get(c.key, c.key),
                "status": c.status,
                "status_label": STATUS_LABELS[c.status],
                "status_class": STATUS_CLASSES[c.status],
                "reason": reason_text(c),
                "unverified": any(not t.verified for t in table),
                "sources": sorted({t.source for t in table}),
            }
        )
    return rows


def signal_rows(panel: rules.RiskPanel, thresholds) -> list[dict]:
    rows = []
    for s in panel.signals:
        table = [thresholds[k] for k in s.threshold_keys if k in thresholds]
        rows.append(
            {
                "key": s.key,
                "label": SIGNAL_LABELS.get(s.key, s.key),
                "present": s.present,
                "reason": REASONS["missing"] if s.present is None else s.reason,
                "unverified": any(not t.verified for t in table),
            }
        )
    return rows


def hematotox_rows(result: rules.HematotoxResult) -> list[dict]:
    return [
        {
            "key": c.key,
            "label": HEMATOTOX_LABELS[c.key],
            "points": c.points,
            "reason": REASONS["missing"] if c.points is None else c.reason,
        }
        for c in result.components
    ]


def washout_rows(checks) -> list[dict]:
    labels = dict(WashoutClass.choices)
    return [
        {
            "therapy_class": labels.get(c.therapy.therapy_class, c.therapy.therapy_class),
            "description": c.therapy.description,
            "last_dose_date": c.therapy.last_dose_date,
            "min_days": c.min_days,
            "clear_on": c.clear_on,
            "clear": c.clear,
        }
        for c in checks
    ]
