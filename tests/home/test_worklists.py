"""Issue 17: the start page leads each role to what waits for it. The clinician's list holds
decisions and sign-offs, the pharmacist's list plans, stock checks and each ward's stock; every
row links to the page where the next step is done. Other roles see neither list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from infusion import selectors as infusion_selectors
from infusion import services as infusion_services
from monitoring import services as monitoring_services
from monitoring.models import Escalation
from tests.eligibility.conftest import approved_course, screened_course
from tests.factories import PASSWORD, PatientFactory
from tests.infusion.conftest import add_product, course_in_manufacturing
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, course_in_monitoring

pytestmark = pytest.mark.django_db

NOW = "2026-06-15 09:00 +08:00"
TODAY = date(2026, 6, 15)
DAY0 = date(2026, 6, 20)  # lymphodepletion from Day −5, 15 June


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def patients(ward_7a, dr_ben):
    return [PatientFactory(ward=ward_7a, attending_clinician=dr_ben) for _ in range(6)]


def section(body: str, testid: str) -> str:
    start = body.index(f'data-testid="{testid}"')
    return body[start : body.index("</ul>", start)]


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def assessment(user, course, hours_ago, values):
    return monitoring_services.assessment_record(
        by=user, course=course, assessed_at=timezone.now() - timedelta(hours=hours_ago), **values
    )


def planned_course(patient, clinician):
    course = course_in_manufacturing(patient, clinician)
    infusion_services.day0_change(by=clinician, course=course, new_date=DAY0)
    plan = infusion_services.plan_create(by=clinician, course=course, crcl_ml_min=Decimal("90"))
    course.refresh_from_db()
    return course, plan


def lymphodepleted_course(patient, clinician, pharmacist, coordinator):
    course, plan = planned_course(patient, clinician)
    add_product(course, coordinator)  # released and received: lymphodepletion may start
    infusion_services.plan_verify(
        by=pharmacist, plan=plan, password=PASSWORD, expected_version=plan.version
    )
    infusion_services.lymphodepletion_start(by=clinician, course=course)
    course.refresh_from_db()
    return course


class TestClinician:
    def test_decisions_and_sign_offs_waiting_each_link_to_its_page(
        self, frozen, client, patients, dr_ben, nurse_ada
    ):
        screened = screened_course(patients[0], dr_ben)
        approved = approved_course(patients[1], dr_ben)
        manufacturing = course_in_manufacturing(patients[2], dr_ben)
        day15 = course_in_monitoring(patients[3], dr_ben, day0=date(2026, 5, 31))
        assessment(nurse_ada, day15, 1, CALM)
        unwell = course_in_monitoring(patients[4], dr_ben, day0=date(2026, 6, 14))
        assessment(nurse_ada, unwell, 1, FEVER_HYPOTENSION)
        assert Escalation.objects.filter(course=unwell, acknowledged_at__isnull=True).exists()

        body = home(client, dr_ben)
        assert reverse("eligibility:decision", args=[screened.pk]) in section(body, "mdt-due")
        assert reverse("eligibility:consent", args=[approved.pk]) in section(
            body, "consents-to-take"
        )
        assert reverse("infusion:course", args=[manufacturing.pk]) in section(
            body, "plans-to-prescribe"
        )
        ends = section(body, "ends-to-sign")
        assert reverse("monitoring:end", args=[day15.pk]) in ends
        # Inside its label window (Day +1) and with an open escalation, it may not end.
        assert reverse("monitoring:end", args=[unwell.pk]) not in ends
        assert reverse("monitoring:course", args=[unwell.pk]) in section(
            body, "escalations-to-acknowledge"
        )
        # Each course once, in its own list only.
        assert reverse("eligibility:decision", args=[approved.pk]) not in body

    def test_gate_reviews_of_the_day(
        self, frozen, patients, dr_ben, pharmacist_pan, coordinator_cai
    ):
        course = lymphodepleted_course(patients[0], dr_ben, pharmacist_pan, coordinator_cai)
        assert list(infusion_selectors.gate_reviews_due(dr_ben, DAY0 - timedelta(days=1))) == []
        assert list(infusion_selectors.gate_reviews_due(dr_ben, DAY0)) == [course]

    def test_queries_are_bounded(
        self, frozen, client, patients, dr_ben, nurse_ada, django_assert_max_num_queries
    ):
        for patient in patients[:3]:
            assessment(nurse_ada, course_in_monitoring(patient, dr_ben), 1, FEVER_HYPOTENSION)
        client.force_login(dr_ben)
        with django_assert_max_num_queries(60):
            assert client.get(reverse("home")).status_code == 200


class TestPharmacist:
    def test_plans_stock_checks_and_ward_stock(
        self, frozen, client, patients, dr_ben, pharmacist_pan, coordinator_cai
    ):
        _, plan = planned_course(patients[0], dr_ben)
        near = lymphodepleted_course(patients[1], dr_ben, pharmacist_pan, coordinator_cai)
        frozen.move_to("2026-06-17 09:00 +08:00")  # Day 0 three days ahead: the gate opens
        body = home(client, pharmacist_pan)
        assert reverse("infusion:plan", args=[plan.course_id]) in section(body, "plans-to-verify")
        assert reverse("infusion:gate", args=[near.pk]) in section(body, "stock-gates")
        assert "Never counted" in section(body, "ward-stock")

        infusion_services.stock_confirm(by=pharmacist_pan, course=near, doses_available=2)
        body = home(client, pharmacist_pan)
        assert reverse("infusion:gate", args=[near.pk]) not in section(body, "stock-gates")
        stock = section(body, "ward-stock")
        assert 'data-testid="ward-stock-7a"' in stock and "within 24 h" in stock


class TestOtherRoles:
    @pytest.mark.parametrize("role", ["nurse", "apheresis_coordinator", "auditor"])
    def test_readers_without_a_queue_here_see_neither_list(
        self, frozen, client, personas, patients, dr_ben, role
    ):
        screened_course(patients[0], dr_ben)
        body = home(client, personas[role])
        assert 'data-testid="clinician-worklist"' not in body
        assert 'data-testid="pharmacist-worklist"' not in body

    def test_administrator_sees_no_patient(self, frozen, client, admin_alex, patients, dr_ben):
        screened = screened_course(patients[0], dr_ben)
        body = home(client, admin_alex)
        assert "worklist" not in body and screened.patient.mrn not in body
