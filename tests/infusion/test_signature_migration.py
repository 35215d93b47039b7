"""The plan signatures that infusion.PlanSignature held move into core.Signature (issue 15
item 5): who, when, meaning, the version signed, why void, and each row's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import Signature
from infusion import selectors
from infusion.models import LymphodepletionPlan

BEFORE = [
    ("infusion", "0004_history_change_reason_text"),
    ("core", "0007_history_change_reason_text"),
]


def _migrate(targets=None):
    """To the targets, or back to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_plan_signatures_and_their_history_move_into_core_signature(verified, pharmacist_pan):
    signed = Signature.objects.get()
    old_apps = _migrate(BEFORE)
    try:
        PlanSignature = old_apps.get_model("infusion", "PlanSignature")
        History = old_apps.get_model("infusion", "HistoricalPlanSignature")
        (old,) = PlanSignature.objects.all()
        assert (old.meaning, old.plan_version, old.signed_by_id) == (
            "verified",
            1,
            pharmacist_pan.pk,
        )
        # An older, voided signature of the same plan, with its history.
        voided = PlanSignature.objects.create(
            plan_id=verified.pk,
            plan_version=1,
            meaning="verified",
            signed_by_id=pharmacist_pan.pk,
            signer_name="Pan Xu",
            signed_at=signed.signed_at - timedelta(hours=1),
            voided_at=signed.signed_at - timedelta(minutes=30),
            void_reason="Plan recalculated: new creatinine",
        )
        History.objects.create(
            id=voided.pk,
            plan_id=verified.pk,
            plan_version=1,
            meaning="verified",
            signed_by_id=pharmacist_pan.pk,
            signer_name="Pan Xu",
            signed_at=voided.signed_at,
            history_date=voided.signed_at,
            history_type="+",
            history_user_id=pharmacist_pan.pk,
        )
    finally:
        _migrate()

    plan = LymphodepletionPlan.objects.get(pk=verified.pk)
    first, current = plan.signatures.order_by("signed_at")
    assert (current.signer, current.signer_name, current.meaning) == (
        pharmacist_pan,
        "Pan Xu",
        "verified_by",
    )
    assert (current.signed_at, current.record_version) == (signed.signed_at, 1)
    assert current.fingerprint == signed.fingerprint  # the plan version she saw
    assert selectors.plan_is_verified(plan)
    assert first.void_reason == "Plan recalculated: new creatinine"
    assert first.voided_at is not None and not first.is_valid
    (created,) = Signature.history.filter(id=first.pk)
    assert (created.history_type, created.history_user_id) == ("+", pharmacist_pan.pk)
    assert created.history_date == first.signed_at
