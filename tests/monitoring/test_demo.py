"""The demo of issue 16 item 3: one patient monitored past the label window because of grade 2
CRS, one whose clinician ended monitoring (signed)."""

import pytest
from django.utils import timezone

from core.signatures import signatures_for
from monitoring import demo, selectors
from patients.models import Patient, Stage
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_patients_past_the_window_and_ended(frozen, nurse_ada, dr_ben):
    staff = {"ada": nurse_ada, "ben": dr_ben, "dan": nurse_ada}
    today = timezone.localdate()
    demo._seed_past_window(staff=staff, today=today)
    demo._seed_ended(staff=staff, today=today)

    qian = Patient.objects.get(mrn="CQ200001").courses.get()
    assert qian.stage == Stage.MONITORING
    decision = selectors.end_decision(qian)
    assert decision.past_window and not decision.may_end
    assert qian.assessments.order_by("-assessed_at").first().crs_grade == 2

    sima = Patient.objects.get(mrn="CQ200002").courses.get()
    assert sima.stage == Stage.FOLLOW_UP
    assert signatures_for(sima.monitoring_end).get().signer == dr_ben
    dr_ben.refresh_from_db()
    assert dr_ben.check_password(PASSWORD)  # the demo never changes a password

    demo._seed_past_window(staff=staff, today=today)  # idempotent
    assert Patient.objects.filter(mrn="CQ200001").count() == 1
