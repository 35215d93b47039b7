"""Words for the pure rules' codes, in the user's language (apheresis/rules/ speaks no Django)."""

from django.utils import formats
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .models import CustodyKind, VenousAccess

WASHOUT_LABELS = {
    rules.WASHOUT_SYSTEMIC_STEROID: gettext_lazy(
        "Systemic steroid > 10 mg prednisone-equivalent a day"
    ),
    rules.WASHOUT_CHEMOTHERAPY: gettext_lazy("Chemotherapy"),
    rules.WASHOUT_ANTI_CD38: gettext_lazy("Anti-CD38 antibody"),
    rules.WASHOUT_ALEMTUZUMAB: gettext_lazy("Alemtuzumab"),
    rules.WASHOUT_OTHER: gettext_lazy("Other therapy"),
}


def check_label(code: str) -> str:
    if code.startswith("washout_"):
        therapy = code.removeprefix("washout_")
        return _("Washout: %(therapy)s") % {"therapy": WASHOUT_LABELS.get(therapy, therapy)}
    labels = {
        "alc": _("Absolute lymphocyte count"),
        "cd3": _("CD3+ count"),
        "counts_recent": _("Counts recent enough"),
        "venous_access": _("Venous access"),
    }
    return labels.get(code, code)


def check_message(check: rules.CheckResult) -> str:
    """What the check found, and what it asks for."""
    p = check.params
    if check.code in ("alc", "cd3"):
        if not check.observed:
            return _("Not recorded; needs at least %(min)s %(unit)s.") % p
        return _("%(value)s %(unit)s (needs at least %(min)s).") % p
    if check.code == "counts_recent":
        if not check.observed:
            return _("Date the counts were drawn not recorded.")
        age = int(p["age_days"])
        if age < 0:
            return _("Counts dated %(drawn_on)s, after the collection date.") % p
        return _("Drawn %(drawn_on)s, %(age)s days before collection (at most %(max)s).") % {
            "drawn_on": p["drawn_on"],
            "age": age,
            "max": p["max_days"],
        }
    if check.code == "venous_access":
        label = dict(VenousAccess.choices).get(p["access"], p["access"])
        if check.passed:
            return str(label)
        return _("%(access)s: venous access must be ready before collection.") % {"access": label}
    if check.kind == "washout":
        if not p["min_days"]:
            return (
                _(
                    "Last dose %(last_dose)s. No default washout for this therapy: a clinician "
                    "must judge it."
                )
                % p
            )
        return (
            _(
                "Last dose %(last_dose)s, %(days_since)s days before collection; "
                "needs %(min_days)s days (clear from %(clear_on)s)."
            )
            % p
        )
    return check.code


def custody_refusal(check: rules.CustodyCheck, kind: str) -> str:
    labels = dict(CustodyKind.choices)
    names = {
        "kind": labels.get(kind, kind),
        "other": labels.get(check.other_kind, check.other_kind),
        "when": formats.date_format(
            dj_timezone.localtime(check.other_time), "SHORT_DATETIME_FORMAT"
        )
        if check.other_time
        else "",
    }
    messages = {
        "duplicate": _(
            "“%(kind)s” is already recorded (%(when)s). To change it, record a correction."
        ),
        "after_later": _(
            "Out of order: “%(other)s” is already recorded (%(when)s), so “%(kind)s” cannot "
            "come now."
        ),
        "missing_previous": _("Out of order: “%(kind)s” needs “%(other)s” recorded first."),
        "before_previous": _(
            "Out of order: “%(kind)s” cannot be earlier than “%(other)s” (%(when)s)."
        ),
        "after_next": _("Out of order: “%(kind)s” cannot be later than “%(other)s” (%(when)s)."),
        "future": _("The time cannot be in the future."),
        "not_last": _(
            "Only the last step can be marked as entered in error; “%(other)s” follows it."
        ),
    }
    return messages[check.code] % names


SCAN_MESSAGES = {
    rules.SCAN_MATCH: gettext_lazy("COI ID matches this patient."),
    rules.SCAN_EMPTY: gettext_lazy("Nothing was scanned. Scan the bag's label."),
    rules.SCAN_MALFORMED: gettext_lazy(
        "This is not a COI ID. Scan the COI barcode on the bag label, not another code."
    ),
    rules.SCAN_CHECK_DIGIT: gettext_lazy(
        "This COI ID is not valid (check digit wrong): it was probably mistyped. Scan it again."
    ),
    rules.SCAN_OTHER_PATIENT: gettext_lazy(
        "STOP: this bag belongs to ANOTHER PATIENT. Do not use it. Quarantine the bag and "
        "inform the apheresis coordinator."
    ),
    "no_coi": gettext_lazy("This course has no COI ID yet: the bag cannot be verified."),
}
