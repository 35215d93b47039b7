from datetime import date

import pytest
import time_machine
from rest_framework.test import APIClient

from followup import services
from followup.models import Discharge, FollowUpVisit, ScheduledVisit

pytestmark = pytest.mark.django_db

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def discharge_body(course, **overrides):
    data = {
        "course": course.pk,
        "discharge_date": "2026-03-20",
        "caregiver_name": "Liu Jian",
        "caregiver_phone": "138 0000 0000",
        "centre_phone": "023 6889 0000",
    }
    data.update(overrides)
    return data


class TestVisitsApi:
    def test_nurse_records_day28_and_month3_and_the_outcome_follows(self, nurse_ada, infused_7a):
        client = api(nurse_ada)
        r = client.post(
            "/api/follow-up/visits/",
            {
                "course": infused_7a.pk,
                "visit_date": "2026-03-30",
                "lugano_response": "PR",
                "imaging_method": "pet_ct",
                "infections": [
                    {
                        "infection_site": "urinary",
                        "organism_type": "bacterial",
                        "infection_grade": 2,
                    }
                ],
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        # No scheduled visit given: the one whose window holds the date.
        assert r.json()["label"] == "Day 28"
        assert r.json()["infections"][0]["infection_grade"] == 2
        r = client.post(
            "/api/follow-up/visits/",
            {
                "course": infused_7a.pk,
                "visit_date": "2026-06-10",
                "lugano_response": "CR",
                "imaging_method": "pet_ct",
                "deauville_score": 2,
            },
            format="json",
        )
        assert r.json()["label"] == "Day 100 (Month 3)"
        outcome = client.get(f"/api/follow-up/courses/{infused_7a.pk}/").json()["outcome"]
        assert outcome["best_response"] == "CR"
        assert outcome["best_response_date"] == "2026-06-10"
        assert outcome["os"] == {
            "days": 100,
            "months": 3.3,
            "event": False,
            "on": "2026-06-10",
            "kind": "censored_last_alive",
        }

    def test_cr_with_deauville_5_is_refused_without_confirmation(self, dr_ben, infused_7a):
        """Lugano 2014: CR is Deauville 1–3 (issue 16 item 11)."""
        body = {
            "course": infused_7a.pk,
            "visit_date": "2026-06-10",
            "lugano_response": "CR",
            "imaging_method": "pet_ct",
            "deauville_score": 5,
        }
        r = api(dr_ben).post("/api/follow-up/visits/", body, format="json")
        assert r.status_code == 400 and "cr_deauville_confirmed" in r.json()
        body.update(cr_deauville_confirmed=True, cr_deauville_reason="Inflammatory uptake")
        r = api(dr_ben).post("/api/follow-up/visits/", body, format="json")
        assert r.status_code == 201, r.json()
        assert r.json()["cr_deauville_confirmed"] is True

    def test_an_explicit_null_records_an_unscheduled_visit(self, dr_ben, infused_7a):
        r = api(dr_ben).post(
            "/api/follow-up/visits/",
            {"course": infused_7a.pk, "visit_date": "2026-03-30", "scheduled_visit": None},
            format="json",
        )
        assert r.status_code == 201 and r.json()["label"] == "Unscheduled"

    def test_bad_input_is_a_clear_400_and_nothing_is_saved(self, dr_ben, infused_7a):
        r = api(dr_ben).post(
            "/api/follow-up/visits/",
            {
                "course": infused_7a.pk,
                "visit_date": "2026-03-30",
                "vital_status": "dead",
                "death_cause": "infection",
            },
            format="json",
        )
        assert r.status_code == 400
        assert r.json() == {"death_date": ["Give the date of death."]}
        assert not FollowUpVisit.objects.exists()

    def test_death_by_api_moves_the_course(self, dr_ben, infused_7a):
        r = api(dr_ben).post(
            "/api/follow-up/visits/",
            {
                "course": infused_7a.pk,
                "visit_date": "2026-05-20",
                "vital_status": "dead",
                "death_date": "2026-05-18",
                "death_cause": "infection",
            },
            format="json",
        )
        assert r.status_code == 201
        infused_7a.refresh_from_db()
        assert infused_7a.stage == "deceased"

    @pytest.mark.parametrize("role", READERS)
    def test_readers_list(self, personas, infused_7a, nurse_ada, role):
        services.visit_record(by=nurse_ada, course=infused_7a, visit_date=date(2026, 4, 1))
        r = api(personas[role]).get("/api/follow-up/visits/", {"course": infused_7a.pk})
        assert r.status_code == 200 and r.json()["count"] == 1

    @pytest.mark.parametrize("role", ["apheresis_coordinator", "pharmacist", "auditor"])
    def test_readers_may_not_write(self, personas, infused_7a, role):
        r = api(personas[role]).post(
            "/api/follow-up/visits/",
            {"course": infused_7a.pk, "visit_date": "2026-04-01"},
            format="json",
        )
        assert r.status_code == 403
        assert not FollowUpVisit.objects.exists()

    def test_administrator_and_anonymous_are_refused(self, admin_alex, infused_7a):
        assert api(admin_alex).get("/api/follow-up/visits/").status_code == 403
        assert api().get("/api/follow-up/visits/").status_code in (401, 403)

    def test_other_ward_nurse_cannot_see_or_write(self, nurse_dan, nurse_ada, infused_7a):
        visit = services.visit_record(by=nurse_ada, course=infused_7a, visit_date=date(2026, 4, 1))
        client = api(nurse_dan)
        assert client.get(f"/api/follow-up/visits/{visit.pk}/").status_code == 404
        assert client.get("/api/follow-up/visits/").json()["count"] == 0
        r = client.post(
            "/api/follow-up/visits/",
            {"course": infused_7a.pk, "visit_date": "2026-04-02"},
            format="json",
        )
        assert r.status_code == 400 and "course" in r.json()
        assert FollowUpVisit.objects.count() == 1

    def test_unknown_filter_is_refused(self, dr_ben):
        assert api(dr_ben).get("/api/follow-up/visits/", {"wrd": "7a"}).status_code == 400


class TestScheduleApi:
    def test_schedule_with_status_and_worklists(self, nurse_ada, infused_7a):
        client = api(nurse_ada)
        rows = client.get("/api/follow-up/schedule/", {"course": infused_7a.pk}).json()
        assert rows["count"] == 19
        d28 = next(r for r in rows["results"] if r["code"] == "d28")
        assert (d28["status"], d28["days_overdue"], d28["label"]) == ("overdue", 70, "Day 28")
        overdue = client.get("/api/follow-up/schedule/", {"worklist": "overdue"}).json()
        assert [r["code"] for r in overdue["results"]] == ["d14", "d28"]
        due = client.get("/api/follow-up/schedule/", {"worklist": "due_this_week"}).json()
        assert [r["code"] for r in due["results"]] == ["d100"]

    def test_other_ward_nurse_sees_nothing(self, nurse_dan, infused_7a):
        assert api(nurse_dan).get("/api/follow-up/schedule/").json()["count"] == 0

    def test_realign_after_day0_correction(self, dr_ben, auditor_cara, infused_7a):
        type(infused_7a).objects.filter(pk=infused_7a.pk).audited_update(
            reason="Day 0 corrected", day0_date=date(2026, 3, 4)
        )
        url = f"/api/follow-up/courses/{infused_7a.pk}/realign-schedule/"
        assert api(auditor_cara).post(url).status_code == 403
        r = api(dr_ben).post(url)
        assert r.status_code == 200 and r.json() == {"created": 0, "moved": 19}
        assert ScheduledVisit.objects.get(course=infused_7a, code="d14").target_date == date(
            2026, 3, 18
        )

    def test_not_seen_filter(self, dr_ben, infused_7a):
        r = api(dr_ben).get("/api/follow-up/courses/", {"not_seen_for_a_year": "true"})
        assert r.json()["count"] == 0


class TestDischargeApi:
    def test_nurse_records_and_updates_with_version(self, nurse_ada, infused_7a):
        client = api(nurse_ada)
        r = client.post("/api/follow-up/discharges/", discharge_body(infused_7a), format="json")
        assert r.status_code == 201, r.json()
        assert r.json()["stay_near_centre_until"] == "2026-03-16"
        pk = r.json()["id"]
        r = client.put(
            f"/api/follow-up/discharges/{pk}/",
            discharge_body(infused_7a, caregiver_name="Liu Mei", version=1),
            format="json",
        )
        assert r.status_code == 200 and r.json()["version"] == 2
        r = client.put(
            f"/api/follow-up/discharges/{pk}/",
            discharge_body(infused_7a, caregiver_name="Stale", version=1),
            format="json",
        )
        assert r.status_code == 400 and "version" in r.json()
        assert Discharge.objects.get().caregiver_name == "Liu Mei"

    def test_a_second_discharge_is_refused(self, nurse_ada, infused_7a):
        client = api(nurse_ada)
        client.post("/api/follow-up/discharges/", discharge_body(infused_7a), format="json")
        r = client.post("/api/follow-up/discharges/", discharge_body(infused_7a), format="json")
        assert r.status_code == 400 and "course" in r.json()

    def test_bad_date_is_refused(self, nurse_ada, infused_7a):
        r = api(nurse_ada).post(
            "/api/follow-up/discharges/",
            discharge_body(infused_7a, discharge_date="2026-02-01"),
            format="json",
        )
        assert r.status_code == 400 and "discharge_date" in r.json()
        assert not Discharge.objects.exists()

    @pytest.mark.parametrize("role", ["auditor", "pharmacist", "administrator"])
    def test_others_may_not_record(self, personas, infused_7a, role):
        r = api(personas[role]).post(
            "/api/follow-up/discharges/", discharge_body(infused_7a), format="json"
        )
        assert r.status_code == 403

    def test_other_ward_nurse(self, nurse_dan, infused_7a):
        r = api(nurse_dan).post(
            "/api/follow-up/discharges/", discharge_body(infused_7a), format="json"
        )
        assert r.status_code == 400 and "course" in r.json()
