"""Pages: every forbidden case, clear errors that change nothing, and the label."""

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from apheresis import rules, services
from apheresis.models import (
    BagVerification,
    CheckOverride,
    Collection,
    CollectionSchedule,
    CustodyEvent,
)
from tests.apheresis.conftest import GOOD_SCHEDULE, manufacture_and_ship_back, pdf

pytestmark = pytest.mark.django_db


def schedule_post(**changes):
    data = {**GOOD_SCHEDULE, **changes}
    data["collection_date"] = data["collection_date"].isoformat()
    data["counts_drawn_on"] = data["counts_drawn_on"].isoformat()
    return {k: ("" if v is None else v) for k, v in data.items()}


class TestBoard:
    def test_coordinator_sees_upcoming_and_in_transit(self, client, collection, coordinator_cai):
        services.custody_record(
            by=coordinator_cai,
            collection=collection,
            kind="packed",
            occurred_at=collection.collected_at,
            place="Apheresis unit",
            handled_by="RN Wu",
        )
        client.force_login(coordinator_cai)
        body = client.get(reverse("apheresis:board")).content.decode()
        assert f'data-testid="awaiting-shipment-{collection.course.patient.mrn}"' in body
        assert collection.coi_id in body

    def test_other_ward_nurse_does_not_see_the_patient(self, client, schedule, nurse_dan):
        client.force_login(nurse_dan)
        body = client.get(reverse("apheresis:board")).content.decode()
        assert schedule.course.patient.mrn not in body

    def test_administrator_is_refused_and_anonymous_redirected(self, client, admin_alex, schedule):
        assert client.get(reverse("apheresis:board")).status_code == 302
        client.force_login(admin_alex)
        assert client.get(reverse("apheresis:board")).status_code == 403
        assert client.get(reverse("apheresis:course", args=[schedule.course_id])).status_code == 404

    def test_board_queries_do_not_grow_with_collections(
        self, client, collection, coordinator_cai, django_assert_max_num_queries
    ):
        client.force_login(coordinator_cai)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("apheresis:board")).status_code == 200


class TestCoursePage:
    def test_readers_see_the_course(self, client, collection, personas):
        url = reverse("apheresis:course", args=[collection.course_id])
        for role in ("clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"):
            client.force_login(personas[role])
            response = client.get(url)
            assert response.status_code == 200, role
            assert collection.coi_id in response.content.decode()
        client.force_login(personas["other_nurse"])
        assert client.get(url).status_code == 404

    def test_only_writers_see_the_buttons(
        self, client, collection, pharmacist_pan, coordinator_cai
    ):
        url = reverse("apheresis:course", args=[collection.course_id])
        client.force_login(pharmacist_pan)
        assert "Log custody event" not in client.get(url).content.decode()
        client.force_login(coordinator_cai)
        assert "Log custody event" in client.get(url).content.decode()


class TestScheduling:
    def test_coordinator_books(self, client, course, coordinator_cai):
        client.force_login(coordinator_cai)
        response = client.post(reverse("apheresis:schedule_new", args=[course.pk]), schedule_post())
        assert response.status_code == 302
        assert CollectionSchedule.objects.get(course=course).cd3_cells_per_ul == 420

    def test_bad_input_is_explained_and_saves_nothing(self, client, course, coordinator_cai):
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:schedule_new", args=[course.pk]),
            schedule_post(manufacturer_slot_ref="", alc_10e9_l="-2"),
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "Nothing was saved" in body and "This field is required." in body
        assert not CollectionSchedule.objects.exists()

    def test_alc_typed_per_microlitre_is_stored_in_10e9_per_l(
        self, client, course, coordinator_cai
    ):
        """Issue 16 item 9: pre-collection ALC 450 /µL is 0.45 × 10⁹/L."""
        client.force_login(coordinator_cai)
        data = schedule_post(alc_10e9_l="450", alc_10e9_l_unit="per_ul")
        response = client.post(reverse("apheresis:schedule_new", args=[course.pk]), data)
        assert response.status_code == 302
        assert CollectionSchedule.objects.get(course=course).alc_10e9_l == Decimal("0.45")

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
    def test_readers_cannot_book(self, client, course, personas, role):
        client.force_login(personas[role])
        url = reverse("apheresis:schedule_new", args=[course.pk])
        assert client.post(url, schedule_post()).status_code == 403
        assert not CollectionSchedule.objects.exists()

    def test_other_ward_nurse_gets_404(self, client, course, nurse_dan):
        client.force_login(nurse_dan)
        assert client.get(reverse("apheresis:schedule_new", args=[course.pk])).status_code == 404


class TestOverrideAndCollect:
    @pytest.fixture
    def low_alc(self, course, coordinator_cai):
        return services.schedule_create(
            by=coordinator_cai, course=course, **{**GOOD_SCHEDULE, "alc_10e9_l": Decimal("0.05")}
        )

    def collect_post(self):
        return {
            "collected_at": "2026-06-15T13:30",
            "blood_volumes_processed": "2.5",
            "product_volume_ml": "180",
            "total_nucleated_cells_10e9": "12.4",
            "cd3_cells_10e9": "6.1",
            "staff": "RN Wu",
            "adverse_events": "",
        }

    def test_blocked_collection_shows_why_and_saves_nothing(
        self, client, frozen, low_alc, coordinator_cai
    ):
        frozen.move_to("2026-06-15 16:00 +08:00")
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:collection_new", args=[low_alc.pk]), self.collect_post()
        )
        body = response.content.decode()
        assert "Collection blocked by failed pre-collection checks" in body
        assert "Absolute lymphocyte count" in body
        assert not Collection.objects.exists()

    def test_coordinator_cannot_override(self, client, low_alc, coordinator_cai):
        client.force_login(coordinator_cai)
        url = reverse("apheresis:check_override", args=[low_alc.pk])
        response = client.post(url, {"check_code": "alc", "reason": "Fine"})
        assert response.status_code == 403
        assert not CheckOverride.objects.exists()

    def test_clinician_override_needs_a_reason_then_collection_goes_ahead(
        self, client, frozen, low_alc, dr_ben, coordinator_cai
    ):
        client.force_login(dr_ben)
        url = reverse("apheresis:check_override", args=[low_alc.pk])
        response = client.post(url, {"check_code": "alc", "reason": ""}, follow=True)
        assert "An override needs a reason." in response.content.decode()
        assert not CheckOverride.objects.exists()
        response = client.post(
            url, {"check_code": "alc", "reason": "Manufacturer accepts low ALC"}, follow=True
        )
        body = response.content.decode()
        assert "Override recorded" in body and "Manufacturer accepts low ALC" in body
        assert "Overridden by Ben Li" in body
        frozen.move_to("2026-06-15 16:00 +08:00")
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:collection_new", args=[low_alc.pk]), self.collect_post()
        )
        assert response.status_code == 302
        assert Collection.objects.get().course.stage == "apheresis"
        # The override stays on the record of the collection, for good.
        body = client.get(reverse("apheresis:course", args=[low_alc.course_id])).content.decode()
        assert "Manufacturer accepts low ALC" in body and "Ben Li" in body


class TestCustodyPages:
    def test_out_of_order_event_is_refused_with_a_message(
        self, client, collection, coordinator_cai
    ):
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:custody_new", args=[collection.pk]),
            {
                "scanned_coi_id": collection.coi_id,
                "kind": "thawed",
                "occurred_at": "2026-06-15T15:00",
                "place": "Ward 7A",
                "handled_by": "RN Ada",
            },
        )
        assert "“Thawed” needs “Received at site” recorded first" in response.content.decode()
        assert collection.custody_events.count() == 1

    def test_nurse_cannot_log_custody(self, client, collection, nurse_ada):
        client.force_login(nurse_ada)
        url = reverse("apheresis:custody_new", args=[collection.pk])
        data = {
            "kind": "packed",
            "occurred_at": "2026-06-15T15:00",
            "place": "x",
            "handled_by": "y",
        }
        assert client.post(url, data).status_code == 403
        assert collection.custody_events.count() == 1

    def test_correction_adds_an_event_and_keeps_the_original(
        self, client, collection, coordinator_cai
    ):
        event = collection.custody_events.get()
        client.force_login(coordinator_cai)
        url = reverse("apheresis:custody_correct", args=[event.pk])
        data = {
            "occurred_at": "2026-06-15T13:20",
            "place": "Apheresis unit, 3rd floor",
            "handled_by": "RN Wu",
            "reason": "",
        }
        assert "A correction must say why." in client.post(url, data).content.decode()
        data["reason"] = "Bag sealed at 13:20 per the machine log"
        assert client.post(url, data).status_code == 302
        assert CustodyEvent.objects.count() == 2
        event.refresh_from_db()
        assert event.occurred_at == collection.collected_at

    def test_there_is_no_page_to_edit_or_delete_an_event(self):
        for name in ("custody_edit", "custody_delete", "custody_update"):
            with pytest.raises(NoReverseMatch):
                reverse(f"apheresis:{name}", args=[1])


class TestManufacturingPage:
    def test_release_needs_a_date_and_a_lot(self, client, collection, coordinator_cai):
        client.force_login(coordinator_cai)
        url = reverse("apheresis:manufacturing_edit", args=[collection.pk])
        response = client.post(url, {"status": "released", "version": "1"})
        body = response.content.decode()
        assert "A released product needs its release date." in body
        collection.manufacturing.refresh_from_db()
        assert collection.manufacturing.status == "awaiting_cells"
        response = client.post(
            url,
            {"status": "released", "released_on": "2026-06-15", "version": "1"},
        )
        assert "A released product has a lot number." in response.content.decode()

    def test_readers_cannot_update(self, client, collection, pharmacist_pan, nurse_dan):
        url = reverse("apheresis:manufacturing_edit", args=[collection.pk])
        client.force_login(pharmacist_pan)
        assert client.post(url, {"status": "failed", "version": "1"}).status_code == 403
        client.force_login(nurse_dan)
        assert client.get(url).status_code == 404


class TestVerifyPage:
    def test_mismatch_is_refused_loudly_and_logged(self, client, collection, nurse_ada):
        client.force_login(nurse_ada)
        other = rules.coi_make(year=2026, serial=collection.course_id + 7)
        response = client.post(
            reverse("apheresis:verify", args=[collection.course_id]),
            {"scanned_text": other, "purpose": "bedside"},
        )
        assert response.status_code == 409
        body = response.content.decode()
        assert 'data-testid="coi-mismatch"' in body and "ANOTHER PATIENT" in body
        verification = BagVerification.objects.get()
        assert (verification.verified_by, verification.result) == (nurse_ada, "other_patient")

    def test_match_is_confirmed(self, client, collection, nurse_ada):
        client.force_login(nurse_ada)
        response = client.post(
            reverse("apheresis:verify", args=[collection.course_id]),
            {"scanned_text": collection.coi_id, "purpose": "bedside"},
            follow=True,
        )
        assert "COI ID matches this patient." in response.content.decode()
        assert BagVerification.objects.get().matched

    def test_forbidden(self, client, collection, nurse_dan, pharmacist_pan):
        url = reverse("apheresis:verify", args=[collection.course_id])
        client.force_login(nurse_dan)
        assert client.post(url, {"scanned_text": collection.coi_id}).status_code == 404
        client.force_login(pharmacist_pan)
        assert client.post(url, {"scanned_text": collection.coi_id}).status_code == 403
        assert not BagVerification.objects.exists()


class TestLabelAndCertificate:
    def test_label_has_the_coi_a_qr_code_and_the_patient(self, client, collection, nurse_ada):
        client.force_login(nurse_ada)
        body = client.get(reverse("apheresis:label", args=[collection.course_id])).content.decode()
        patient = collection.course.patient
        assert body.count(f'data-testid="label-coi-id">{collection.coi_id}<') == 2
        assert '<svg viewBox="0 0' in body and f"<title>{collection.coi_id}</title>" in body
        assert patient.mrn in body and "1970-05-17" in body and "LIU, Fang" in body
        assert "apheresis/label.css" in body and "<script>" not in body

    def test_certificate_is_served_only_to_those_who_see_the_patient(
        self, client, frozen, collection, coordinator_cai, nurse_dan, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:receipt_new", args=[collection.pk]),
            {
                "lot_number": "LOT-7781",
                "received_at": "2026-07-03T10:00",
                "bag_count": "1",
                "total_cells_10e6": "140",
                "viability_percent": "91.5",
                "release_certificate": pdf(),
                "storage_location": "LN2-2 / C / 4",
                "place": "Cell therapy lab",
                "temperature_c": "-160",
            },
        )
        assert response.status_code == 302, response.content.decode()
        url = reverse("apheresis:certificate", args=[collection.pk])
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        client.force_login(nurse_dan)
        assert client.get(url).status_code == 404

    def test_receipt_with_a_fake_pdf_is_refused(
        self, client, frozen, collection, coordinator_cai, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        client.force_login(coordinator_cai)
        response = client.post(
            reverse("apheresis:receipt_new", args=[collection.pk]),
            {
                "lot_number": "LOT-7781",
                "received_at": "2026-07-03T10:00",
                "bag_count": "1",
                "total_cells_10e6": "140",
                "viability_percent": "91.5",
                "release_certificate": pdf("cert.pdf", b"<html>not a pdf</html>"),
                "storage_location": "LN2-2 / C / 4",
                "place": "Cell therapy lab",
            },
        )
        assert "The file&#x27;s content is not a PDF." in response.content.decode()
        assert not hasattr(Collection.objects.get(), "receipt")


class TestAdmin:
    def test_auditor_reads_but_cannot_change_or_delete_custody(
        self, client, collection, auditor_cara
    ):
        event = collection.custody_events.get()
        client.force_login(auditor_cara)
        base = "/admin/apheresis/custodyevent/"
        assert client.get(base).status_code == 200
        assert client.get(f"{base}{event.pk}/change/").status_code == 200
        response = client.post(f"{base}{event.pk}/change/", {"place": "Elsewhere"})
        assert response.status_code == 403
        assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.get(f"{base}add/").status_code == 403
        event.refresh_from_db()
        assert event.place == "Apheresis unit, 3rd floor"

    def test_administrator_has_no_access(self, client, collection, admin_alex):
        client.force_login(admin_alex)
        assert client.get("/admin/apheresis/custodyevent/").status_code == 403
