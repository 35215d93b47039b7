from datetime import date

import pytest
import time_machine
from django.urls import reverse

from core.audit import unaudited
from followup import services
from followup.models import Discharge, FollowUpVisit, ScheduledVisit

pytestmark = pytest.mark.django_db

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def visit_post(**overrides):
    data = {
        "visit_date": "2026-03-30",
        "contact_type": "clinic",
        "lugano_response": "PR",
        "imaging_method": "pet_ct",
        "vital_status": "alive",
        "infections-TOTAL_FORMS": "2",
        "infections-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "2",
        "events-INITIAL_FORMS": "0",
        "therapies-TOTAL_FORMS": "1",
        "therapies-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


class TestCalendar:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_see_the_calendar(self, client, personas, infused_7a, role):
        response = login(client, personas[role]).get(
            reverse("followup:course", args=[infused_7a.pk])
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Day 100 (Month 3)" in body and "Year 15" in body
        assert 'data-testid="visit-d28"' in body

    def test_statuses_on_the_calendar(self, client, dr_ben, infused_7a):
        response = login(client, dr_ben).get(reverse("followup:course", args=[infused_7a.pk]))
        rows = {row["visit"].code: row for row in response.context["rows"]}
        assert rows["d28"]["status"] == "overdue" and rows["d28"]["days_overdue"] == 70
        assert rows["d100"]["status"] == "due"
        assert rows["m6"]["status"] == "upcoming"

    def test_other_ward_nurse_gets_404(self, client, nurse_dan, infused_7a):
        url = reverse("followup:course", args=[infused_7a.pk])
        assert login(client, nurse_dan).get(url).status_code == 404

    def test_administrator_is_refused(self, client, admin_alex, infused_7a):
        url = reverse("followup:course", args=[infused_7a.pk])
        assert login(client, admin_alex).get(url).status_code == 403
        assert client.get(reverse("followup:worklists")).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, infused_7a):
        response = client.get(reverse("followup:course", args=[infused_7a.pk]))
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


class TestVisitForm:
    def test_cr_with_deauville_4_shows_the_lugano_message_then_accepts_a_confirmation(
        self, client, dr_ben, infused_7a
    ):
        """Lugano 2014: CR is Deauville 1–3; the form asks for confirmation and reason."""
        login(client, dr_ben)
        url = reverse("followup:visit_create", args=[infused_7a.pk])
        data = visit_post(visit_date="2026-06-10", lugano_response="CR", deauville_score="4")
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Lugano 2014: CR is Deauville 1–3" in response.content.decode()
        assert not infused_7a.followup_visits.exists()
        data.update(cr_deauville_confirmed="on", cr_deauville_reason="Thymic rebound")
        assert client.post(url, data).status_code == 302
        assert infused_7a.followup_visits.get().cr_deauville_reason == "Thymic rebound"

    def test_nurse_records_day28_and_sees_best_response(self, client, nurse_ada, infused_7a):
        d28 = ScheduledVisit.objects.get(course=infused_7a, code="d28")
        login(client, nurse_ada)
        url = reverse("followup:visit_create", args=[infused_7a.pk])
        assert client.get(url, {"scheduled": d28.pk}).status_code == 200
        response = client.post(
            url,
            visit_post(
                scheduled_visit=str(d28.pk),
                **{
                    "infections-0-infection_site": "bloodstream",
                    "infections-0-organism_type": "bacterial",
                    "infections-0-organism": "E. coli",
                    "infections-0-infection_grade": "3",
                },
            ),
        )
        assert response.status_code == 302
        visit = FollowUpVisit.objects.get()
        assert visit.scheduled_visit == d28 and visit.infections.get().organism == "E. coli"
        page = client.get(reverse("followup:course", args=[infused_7a.pk]))
        assert page.context["best_response_label"] == "Partial response (PR)"

    def test_bad_input_shows_errors_and_saves_nothing(self, client, nurse_ada, infused_7a):
        response = login(client, nurse_ada).post(
            reverse("followup:visit_create", args=[infused_7a.pk]),
            visit_post(imaging_method="", visit_date="2026-07-01"),
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Nothing was saved" in body
        assert "The visit date cannot be in the future." in body
        assert "Say how the response was assessed." in body
        assert not FollowUpVisit.objects.exists()

    def test_a_bad_infection_row_is_reported(self, client, nurse_ada, infused_7a):
        response = login(client, nurse_ada).post(
            reverse("followup:visit_create", args=[infused_7a.pk]),
            visit_post(**{"infections-0-organism": "RSV"}),
        )
        assert response.status_code == 200
        assert not FollowUpVisit.objects.exists()

    @pytest.mark.parametrize("role", ["apheresis_coordinator", "pharmacist", "auditor"])
    def test_readers_may_not_record(self, client, personas, infused_7a, role):
        url = reverse("followup:visit_create", args=[infused_7a.pk])
        login(client, personas[role])
        assert client.get(url).status_code == 403
        assert client.post(url, visit_post()).status_code == 403
        assert not FollowUpVisit.objects.exists()

    def test_other_ward_nurse_gets_404(self, client, nurse_dan, infused_7a):
        url = reverse("followup:visit_create", args=[infused_7a.pk])
        assert login(client, nurse_dan).post(url, visit_post()).status_code == 404

    def test_visit_detail_and_its_refusals(self, client, nurse_ada, nurse_dan, infused_7a):
        visit = services.visit_record(by=nurse_ada, course=infused_7a, visit_date=date(2026, 4, 1))
        url = reverse("followup:visit_detail", args=[visit.pk])
        assert login(client, nurse_ada).get(url).status_code == 200
        assert login(client, nurse_dan).get(url).status_code == 404


class TestDeathOnThePage:
    def test_nurse_death_waits_for_a_clinician(self, client, nurse_ada, dr_ben, infused_7a):
        login(client, nurse_ada).post(
            reverse("followup:visit_create", args=[infused_7a.pk]),
            visit_post(
                lugano_response="",
                imaging_method="",
                contact_type="telephone",
                visit_date="2026-05-20",
                vital_status="dead",
                death_date="2026-05-19",
                death_cause="infection",
            ),
        )
        page = client.get(reverse("followup:course", args=[infused_7a.pk])).content.decode()
        assert "a clinician must close it" in page
        close = reverse("followup:close_deceased", args=[infused_7a.pk])
        assert client.post(close).status_code == 403
        login(client, dr_ben).post(close)
        infused_7a.refresh_from_db()
        assert infused_7a.stage == "deceased"


class TestDischargeAndWalletCard:
    def test_nurse_records_discharge_and_prints_the_card(self, client, nurse_ada, infused_7a):
        login(client, nurse_ada)
        url = reverse("followup:discharge", args=[infused_7a.pk])
        page = client.get(url).content.decode()
        assert "Stay within reach of the centre until" in page
        response = client.post(
            url,
            {
                "discharge_date": "2026-03-20",
                "caregiver_name": "Liu Jian",
                "caregiver_phone": "138 0000 0000",
                "centre_phone": "023 6889 0000",
            },
        )
        assert response.status_code == 302
        assert Discharge.objects.get().no_driving_until == date(2026, 3, 16)
        card = client.get(reverse("followup:wallet_card", args=[infused_7a.pk])).content.decode()
        assert "I have received CAR-T cell therapy" in card
        assert "wallet_card.css" in card and "023 6889 0000" in card

    def test_a_missing_caregiver_is_refused(self, client, nurse_ada, infused_7a):
        response = login(client, nurse_ada).post(
            reverse("followup:discharge", args=[infused_7a.pk]),
            {"discharge_date": "2026-03-20", "centre_phone": "023"},
        )
        assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
        assert not Discharge.objects.exists()

    def test_auditor_may_read_the_card_but_not_discharge(self, client, auditor_cara, infused_7a):
        login(client, auditor_cara)
        assert client.get(reverse("followup:wallet_card", args=[infused_7a.pk])).status_code == 200
        assert client.get(reverse("followup:discharge", args=[infused_7a.pk])).status_code == 403


class TestWorklistsPage:
    def test_nurse_sees_her_overdue_visits(self, client, nurse_ada, infused_7a, infused_7b):
        body = login(client, nurse_ada).get(reverse("followup:worklists")).content.decode()
        assert "CQ7A0001" in body and "CQ7B0001" not in body
        assert "70 days" in body


class TestRealign:
    def test_nurse_makes_the_schedule_of_an_older_course(self, client, nurse_ada, infused_7a):
        with unaudited("test set-up: a course from before"):
            ScheduledVisit._base_manager.filter(course=infused_7a).delete()
        login(client, nurse_ada).post(reverse("followup:schedule_realign", args=[infused_7a.pk]))
        assert ScheduledVisit.objects.filter(course=infused_7a).count() == 19

    def test_auditor_may_not(self, client, auditor_cara, infused_7a):
        url = reverse("followup:schedule_realign", args=[infused_7a.pk])
        assert login(client, auditor_cara).post(url).status_code == 403


def test_calendar_queries_do_not_grow_with_visits(
    client, nurse_ada, infused_7a, django_assert_max_num_queries
):
    for code, day in (("d14", date(2026, 3, 16)), ("d28", date(2026, 3, 30))):
        services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            scheduled_visit=ScheduledVisit.objects.get(course=infused_7a, code=code),
            visit_date=day,
            therapies=[{"therapy_category": "radiotherapy", "start_date": day}],
        )
    login(client, nurse_ada)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("followup:course", args=[infused_7a.pk]))
    assert response.status_code == 200
