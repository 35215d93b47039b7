"""The pharmacist's electronic signature of a plan version, and voiding it when the plan changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import system_text
from core.models import Signature, SignatureMeaning, User
from core.signatures import password_first, signature_sign, signature_void

from .. import selectors
from ..models import LymphodepletionPlan
from .access import (
    PLANNABLE_STAGES,
    _check_version,
    _require,
    _require_visible,
    _stage_label,
    is_pharmacist,
)


def _void_reason(code: str, **params) -> str:
    """Why a signature is void, in English: the column is prose, shown in the reader's
    language where its wording is known (core.system_text_legacy)."""
    return system_text.english(system_text.text(code, **params))


def _void_signature(plan: LymphodepletionPlan, *, by: User, reason: str) -> bool:
    """Called before the changed plan is saved, so the signature says why it is void."""
    return signature_void(record=plan, by=by, reason=reason) > 0


@password_first
@transaction.atomic
def plan_verify(
    *, by: User, plan: LymphodepletionPlan, password: str, expected_version: int
) -> Signature:
    """The pharmacist's electronic signature: password re-entered, meaning "verified by",
    name and time, bound to the version of the plan that was shown."""
    _require(is_pharmacist(by), _("Only pharmacists verify lymphodepletion plans."))
    plan = (
        LymphodepletionPlan.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=plan.pk)
    )
    _require_visible(by, plan.course)
    _check_version(plan, expected_version)
    if plan.course.stage not in PLANNABLE_STAGES:
        raise ValidationError(_("This course is %(s)s.") % {"s": _stage_label(plan.course)})
    undecided = [d for d in plan.doses.all() if not d.decided]
    if undecided:
        raise ValidationError(
            _("A clinician must decide %(n)s dose(s) before the plan can be verified.")
            % {"n": len(undecided)}
        )
    if selectors.plan_is_verified(plan):
        raise ValidationError(_("This version of the plan is already verified."))
    _void_signature(plan, by=by, reason=_void_reason("infusion.signature_replaced"))
    return signature_sign(
        user=by, password=password, record=plan, meaning=SignatureMeaning.VERIFIED_BY
    )
