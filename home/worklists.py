"""The start page's work lists (issue 17): what waits for this user, each row linking to the
page where the next step is done. The start page sits above the stages and reads only their
selectors."""

from __future__ import annotations

from datetime import date

from core.roles import Role
from eligibility import selectors as eligibility_selectors
from infusion import selectors as infusion_selectors
from monitoring import selectors as monitoring_selectors


def clinician_worklist(user, *, on: date) -> dict:
    """Decisions and sign-offs waiting for a clinician, in treatment order."""
    return {
        "mdt_due": eligibility_selectors.mdt_decisions_due(user),
        "consents": list(eligibility_selectors.consents_to_take(user)),
        "plans_to_prescribe": list(infusion_selectors.plans_to_prescribe(user)),
        "gate_reviews": list(infusion_selectors.gate_reviews_due(user, on)),
        "ends_to_sign": monitoring_selectors.monitoring_ends_to_sign(user),
        "escalations": list(monitoring_selectors.open_escalations_for(user)),
    }


def pharmacist_worklist(user, *, on: date) -> dict:
    """Plans to verify, gates waiting for the stock check, and each ward's stock."""
    return {
        "plans_to_verify": infusion_selectors.plans_to_verify(user),
        "stock_gates": infusion_selectors.gates_waiting_for_stock_check(user, on),
        "ward_stock": infusion_selectors.tocilizumab_stock_by_ward(user),
    }


def worklists_for(user, *, on: date) -> dict:
    """The lists this user's roles call for (none for other roles)."""
    return {
        "clinician_worklist": clinician_worklist(user, on=on)
        if user.has_role(Role.CLINICIAN)
        else None,
        "pharmacist_worklist": pharmacist_worklist(user, on=on)
        if user.has_role(Role.PHARMACIST)
        else None,
    }
