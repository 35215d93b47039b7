"""The API: same rules as the pages; custody and verifications are append-only."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apheresis import rules, services
from apheresis.models import BagVerification, CheckOverride, Collection, CustodyEvent
from tests.apheresis.conftest import GOOD_SCHEDULE, manufacture_and_ship_back, pdf

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def schedule_payload(course, **changes):
    data = {**GOOD_SCHEDULE, **changes}
    data["collection_date"] = data["collection_date"].isoformat()
    data["counts_drawn_on"] = data["counts_drawn_on"].isoformat()
    return {"course": course.pk, **data}


class TestSchedulesApi:
    def test_book_and_read_the_checks(self, course, coordinator_cai):
        response = api(coordinator_cai).post(
            "/api/apheresis/schedules/",
            schedule_payload(course, alc_10e9_l="0.05"),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert rules.coi_is_valid(body["coi_id"])
        checks = {c["code"]: c for c in body["checks"]}
        assert checks["alc"]["blocks"] is True and checks["cd3"]["passed"] is True

    def test_override_only_by_a_clinician_with_a_reason(self, course, coordinator_cai, dr_ben):
        schedule = services.schedule_create(
            by=coordinator_cai, course=course, **{**GOOD_SCHEDULE, "alc_10e9_l": Decimal("0.05")}
        )
        url = f"/api/apheresis/schedules/{schedule.pk}/override/"
        payload = {"check_code": "alc", "reason": "Accepted by manufacturer"}
        assert api(coordinator_cai).post(url, payload, format="json").status_code == 403
        response = api(dr_ben).post(url, {"check_code": "alc", "reason": ""}, format="json")
        assert response.status_code == 400 and "reason" in response.json()
        assert not CheckOverride.objects.exists()
        response = api(dr_ben).post(url, payload, format="json")
        assert response.status_code == 200
        alc = next(c for c in response.json()["checks"] if c["code"] == "alc")
        assert (alc["blocks"], alc["overridden_by"]) == (False, "Ben Li")

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
    def test_readers_cannot_book(self, course, personas, role):
        response = api(personas[role]).post(
            "/api/apheresis/schedules/", schedule_payload(course), format="json"
        )
        assert response.status_code == 403

    def test_other_ward_nurse_and_anonymous(self, schedule, nurse_dan):
        assert api(nurse_dan).get("/api/apheresis/schedules/").json()["count"] == 0
        assert api(nurse_dan).get(f"/api/apheresis/schedules/{schedule.pk}/").status_code == 404
        assert api().get("/api/apheresis/schedules/").status_code in (401, 403)

    def test_unknown_filter_is_refused(self, schedule, coordinator_cai):
        response = api(coordinator_cai).get("/api/apheresis/schedules/", {"curse": 1})
        assert response.status_code == 400 and "curse" in response.json()

    def test_patch_needs_the_version_and_there_is_no_put_or_delete(
        self, schedule, coordinator_cai, nurse_ada
    ):
        url = f"/api/apheresis/schedules/{schedule.pk}/"
        client = api(coordinator_cai)
        response = client.patch(url, {"alc_10e9_l": "0.05"}, format="json")
        assert response.status_code == 400 and "version" in response.json()
        response = client.patch(url, {"alc_10e9_l": "0.05", "version": 1}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["version"] == 2
        assert next(c for c in response.json()["checks"] if c["code"] == "alc")["blocks"]
        stale = client.patch(url, {"alc_10e9_l": "0.9", "version": 1}, format="json")
        assert stale.status_code == 400 and "changed by" in str(stale.json())
        assert api(nurse_ada).patch(url, {"notes": "x", "version": 2}).status_code == 403
        assert client.put(url, {"notes": "x"}, format="json").status_code == 405
        assert client.delete(url).status_code == 405


class TestCollectionsApi:
    def payload(self, schedule, **changes):
        return {
            "schedule": schedule.pk,
            "collected_at": "2026-06-15T13:30:00+08:00",
            "blood_volumes_processed": "2.5",
            "product_volume_ml": "180",
            "total_nucleated_cells_10e9": "12.4",
            "cd3_cells_10e9": "6.1",
            "staff": "RN Wu",
            **changes,
        }

    def test_blocked_collection_is_400_and_saves_nothing(self, frozen, course, coordinator_cai):
        schedule = services.schedule_create(
            by=coordinator_cai,
            course=course,
            **{**GOOD_SCHEDULE, "venous_access": "central_line_needed"},
        )
        frozen.move_to("2026-06-15 16:00 +08:00")
        response = api(coordinator_cai).post(
            "/api/apheresis/collections/", self.payload(schedule), format="json"
        )
        assert response.status_code == 400
        assert "Venous access" in str(response.json())
        assert not Collection.objects.exists()

    def test_record_then_read_status_and_vein_to_vein(self, frozen, schedule, coordinator_cai):
        frozen.move_to("2026-06-15 16:00 +08:00")
        response = api(coordinator_cai).post(
            "/api/apheresis/collections/", self.payload(schedule), format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["custody_status"] == "collected"
        assert body["manufacturing"]["status"] == "awaiting_cells"
        assert body["vein_to_vein"] == {
            "basis": "so_far",
            "calendar_days": 0,
            "elapsed_hours": 2.5,
            "planned_days": None,
        }

    def test_manufacturing_update_needs_the_version(self, collection, coordinator_cai):
        url = f"/api/apheresis/collections/{collection.pk}/manufacturing/"
        client = api(coordinator_cai)
        response = client.post(url, {"status": "in_manufacturing"}, format="json")
        assert response.status_code == 400 and "version" in response.json()
        response = client.post(
            url,
            {"status": "in_manufacturing", "manufacturing_started_on": "2026-06-15", "version": 1},
            format="json",
        )
        assert response.status_code == 200 and response.json()["version"] == 2
        stale = client.post(url, {"lot_number": "L1", "version": 1}, format="json")
        assert stale.status_code == 400

    def test_receipt_upload(self, frozen, collection, coordinator_cai, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        response = api(coordinator_cai).post(
            f"/api/apheresis/collections/{collection.pk}/receipt/",
            {
                "lot_number": "LOT-7781",
                "received_at": "2026-07-03T10:00:00+08:00",
                "total_cells_10e6": "140",
                "viability_percent": "91.5",
                "release_certificate": pdf(),
                "storage_location": "LN2-2 / C / 4",
                "place": "Cell therapy lab",
            },
            format="multipart",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["dose_per_kg_10e6"] == "2.000"


class TestCustodyApi:
    def test_append_and_refuse_changes(self, collection, coordinator_cai):
        client = api(coordinator_cai)
        response = client.post(
            "/api/custody-events/",
            {
                "collection": collection.pk,
                "kind": "packed",
                "occurred_at": "2026-06-15T14:00:00+08:00",
                "place": "Apheresis unit",
                "handled_by": "RN Wu",
                "temperature_c": "4.0",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        pk = response.json()["id"]
        assert response.json()["coi_id"] == collection.coi_id
        url = f"/api/custody-events/{pk}/"
        assert client.put(url, {"place": "x"}, format="json").status_code == 405
        assert client.patch(url, {"place": "x"}, format="json").status_code == 405
        assert client.delete(url).status_code == 405
        assert CustodyEvent.objects.get(pk=pk).place == "Apheresis unit"

    def test_out_of_order_is_400_with_the_reason(self, collection, coordinator_cai):
        response = api(coordinator_cai).post(
            "/api/custody-events/",
            {
                "collection": collection.pk,
                "kind": "thawed",
                "occurred_at": "2026-06-15T14:00:00+08:00",
                "place": "Ward",
                "handled_by": "RN Ada",
            },
            format="json",
        )
        assert response.status_code == 400
        assert "needs “Received at site” recorded first" in str(response.json())

    def test_correct_creates_a_new_event(self, collection, coordinator_cai):
        event = collection.custody_events.get()
        response = api(coordinator_cai).post(
            f"/api/custody-events/{event.pk}/correct/",
            {"reason": "Wrong room", "place": "Apheresis unit, 2nd floor"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["corrects"] == event.pk
        assert CustodyEvent.objects.count() == 2

    def test_nurse_cannot_post_and_other_ward_cannot_see(self, collection, nurse_ada, nurse_dan):
        response = api(nurse_ada).post(
            "/api/custody-events/",
            {
                "collection": collection.pk,
                "kind": "packed",
                "occurred_at": "2026-06-15T14:00:00+08:00",
                "place": "x",
                "handled_by": "y",
            },
            format="json",
        )
        assert response.status_code == 403
        assert api(nurse_ada).get("/api/custody-events/").json()["count"] == 1
        assert api(nurse_dan).get("/api/custody-events/").json()["count"] == 0


class TestVerificationApi:
    def test_match_is_201_mismatch_is_409_and_both_are_logged(self, collection, nurse_ada, dr_ben):
        course = collection.course
        other = rules.coi_make(year=2026, serial=course.pk + 3)
        response = api(nurse_ada).post(
            "/api/bag-verifications/",
            {"course": course.pk, "scanned_text": other, "purpose": "bedside"},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["result"] == "other_patient"
        assert "ANOTHER PATIENT" in response.json()["message"]
        for user in (nurse_ada, dr_ben):
            response = api(user).post(
                "/api/bag-verifications/",
                {"course": course.pk, "scanned_text": collection.coi_id, "purpose": "bedside"},
                format="json",
            )
            assert response.status_code == 201
        assert BagVerification.objects.count() == 3
        coi = api(nurse_ada).get("/api/chains-of-identity/", {"course": course.pk}).json()
        assert coi["results"][0]["double_verified"] is True
        assert coi["results"][0]["verified_by"] == ["Ada Chen", "Ben Li"]

    def test_forbidden(self, collection, pharmacist_pan, nurse_dan):
        payload = {
            "course": collection.course_id,
            "scanned_text": collection.coi_id,
            "purpose": "bedside",
        }
        assert api(pharmacist_pan).post("/api/bag-verifications/", payload).status_code == 403
        assert api(nurse_dan).post("/api/bag-verifications/", payload).status_code == 400
        assert api().post("/api/bag-verifications/", payload).status_code in (401, 403)
        assert not BagVerification.objects.exists()
        url = "/api/bag-verifications/1/"
        assert api(pharmacist_pan).delete(url).status_code in (403, 405)
