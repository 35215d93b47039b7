"""Words for the pure rules' codes, in the user's language (infusion/rules.py speaks no Django)."""

from django.utils.translation import gettext as _

from . import rules
from .models import GATE_ITEM_CHOICES, Drug

_LABELS = dict(GATE_ITEM_CHOICES)
_VITAL_LABELS = {
    "temperature_c": _("temperature"),
    "heart_rate_bpm": _("heart rate"),
    "systolic_bp_mmhg": _("systolic BP"),
    "spo2_percent": _("SpO₂"),
    "respiratory_rate_per_min": _("respiratory rate"),
}


def item_label(code: str) -> str:
    return str(_LABELS.get(code, code))


def item_message(item: rules.GateItem) -> str:
    """What the item found, in words a nurse reads at the bedside."""
    p = item.params
    code = item.code
    if code == rules.PRODUCT_RECEIVED:
        if "received=no" in item.observed:
            return _("The product has not been received at the site.")
        if item.passed:
            return _("Received; released by the manufacturer.")
        return _("Received, but the manufacturer's status is %(s)s.") % {"s": p["status"]}
    if code == rules.PRODUCT_IN_SPEC:
        if item.passed:
            return _("Released within specification.")
        if p["status"] == rules.RELEASED_OUT_OF_SPEC:
            return _("Released OUT OF SPECIFICATION: a clinician must decide.")
        return _("Not released (status %(s)s).") % {"s": p["status"]}
    if code == rules.LYMPHODEPLETION_COMPLETE:
        if not p["verified"]:
            return _("The lymphodepletion plan is not verified by a pharmacist.")
        if p["outstanding"]:
            return _("%(n)s planned dose(s) not recorded as given.") % {"n": p["outstanding"]}
        return _("Every planned dose given.")
    if code == rules.COI_BEDSIDE:
        return _("%(n)s of %(r)s different people matched the bag today.") % {
            "n": p["count"],
            "r": p["required"],
        }
    if code == rules.TOCILIZUMAB_AVAILABLE:
        if p["doses"] is None:
            return _("No pharmacist's count in the last 24 h; at least %(r)s doses needed.") % {
                "r": p["required"]
            }
        return _("%(n)s dose(s) on the ward; at least %(r)s needed.") % {
            "n": p["doses"],
            "r": p["required"],
        }
    if not p.get("checked", True):
        return _("No pre-infusion check recorded today.")
    if code == rules.NO_ACTIVE_INFECTION:
        return _("None.") if item.passed else _("Active uncontrolled infection recorded.")
    if code == rules.NO_NEW_ORGAN_DYSFUNCTION:
        return _("None.") if item.passed else _("New organ dysfunction recorded.")
    if code == rules.VITAL_SIGNS:
        if item.passed:
            return _("Within limits.")
        parts = []
        for problem in p["problems"]:
            name, value = problem.split("=", 1)
            label = _VITAL_LABELS.get(name, name)
            parts.append(
                _("%(v)s missing") % {"v": label} if value == "missing" else f"{label} {value}"
            )
        return _("Outside limits: %(p)s.") % {"p": ", ".join(parts)}
    if code == rules.PREMEDICATION:
        if item.passed:
            return _("Paracetamol and antihistamine given; no steroid.")
        parts = [str(_("%(d)s not given") % {"d": d}) for d in p["missing"]]
        if p["steroid"]:
            parts.append(_("a prophylactic steroid was given"))
        return "; ".join(parts).capitalize() + "."
    return item.observed


def deviation_text(deviation: rules.Deviation, dose) -> str:
    parts = []
    if "dose" in deviation.codes:
        parts.append(
            _("dose differs from the planned %(mg)s mg by more than %(t)s%%")
            % {"mg": dose.dose_mg, "t": rules.DOSE_TOLERANCE_PERCENT}
        )
    if "day" in deviation.codes:
        parts.append(_("given on another day than planned (%(d)s)") % {"d": dose.planned_on})
    return "; ".join(str(p) for p in parts)


def drug_label(code: str) -> str:
    return str(dict(Drug.choices).get(code, code))
