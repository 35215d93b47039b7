"""Services on the database: checks that block, overrides, custody, identity and receipt."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apheresis import rules, selectors, services
from apheresis.models import (
    AppendOnlyError,
    BagVerification,
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CustodyEvent,
    ManufacturingStatus,
    ProductReceipt,
    ScheduleStatus,
)
from eligibility.models import ScreeningAssessment, WashoutTherapy
from patients import services as patient_services
from tests.apheresis.conftest import (
    GOOD_COLLECTION,
    GOOD_SCHEDULE,
    PNG_BYTES,
    TODAY,
    at,
    manufacture_and_ship_back,
    pdf,
    ship_to_manufacturer,
)
from tests.factories import course_at_stage
from tests.infusion.helpers import record_passed_gate

pytestmark = pytest.mark.django_db


def record_collection(schedule, by, **changes):
    values = {"collected_at": at(13, 30), **GOOD_COLLECTION, **changes}
    return services.collection_record(by=by, schedule=schedule, **values)


def add_washout(course, by, therapy_class, last_dose_date):
    screening, _ = ScreeningAssessment.objects.get_or_create(
        course=course, defaults={"assessed_on": TODAY, "created_by": by, "updated_by": by}
    )
    WashoutTherapy.objects.create(
        assessment=screening, therapy_class=therapy_class, last_dose_date=last_dose_date
    )


class TestSchedule:
    def test_booking_issues_one_immutable_coi(self, course, coordinator_cai):
        schedule = services.schedule_create(by=coordinator_cai, course=course, **GOOD_SCHEDULE)
        coi = ChainOfIdentity.objects.get(course=course)
        assert coi.coi_id == rules.coi_make(year=2026, serial=course.pk)
        assert rules.coi_is_valid(coi.coi_id)
        assert services.coi_issue(by=coordinator_cai, course=course) == coi
        assert schedule.status == ScheduleStatus.PLANNED

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor", "administrator"])
    def test_other_roles_cannot_book(self, course, personas, role):
        with pytest.raises(PermissionDenied):
            services.schedule_create(by=personas[role], course=course, **GOOD_SCHEDULE)
        assert not course.collection_schedules.exists()

    def test_second_planned_booking_and_past_date_are_refused(self, schedule, coordinator_cai):
        with pytest.raises(ValidationError, match="already has a collection planned"):
            services.schedule_create(by=coordinator_cai, course=schedule.course, **GOOD_SCHEDULE)
        services.schedule_cancel(by=coordinator_cai, schedule=schedule, reason="Slot moved")
        with pytest.raises(ValidationError) as error:
            services.schedule_create(
                by=coordinator_cai,
                course=schedule.course,
                **{**GOOD_SCHEDULE, "collection_date": TODAY - timedelta(days=1)},
            )
        assert "collection_date" in error.value.message_dict

    def test_course_not_yet_eligible_cannot_be_booked(
        self, frozen, patient_7b, dr_ben, coordinator_cai
    ):
        from tests.factories import product

        course = patient_services.course_open(
            by=dr_ben, patient=patient_7b, product=product(), referred_on=date(2026, 5, 1)
        )
        with pytest.raises(ValidationError, match="eligible or consented"):
            services.schedule_create(by=coordinator_cai, course=course, **GOOD_SCHEDULE)

    def test_stale_update_is_refused(self, schedule, coordinator_cai, dr_ben):
        services.schedule_update(
            by=dr_ben, schedule=schedule, expected_version=1, alc_10e9_l=Decimal("0.5")
        )
        with pytest.raises(services.StaleEditError, match="changed by"):
            services.schedule_update(
                by=coordinator_cai, schedule=schedule, expected_version=1, cd3_cells_per_ul=10
            )
        schedule.refresh_from_db()
        assert (schedule.version, schedule.cd3_cells_per_ul) == (2, 420)


class TestChecksBlockAndOverride:
    def test_low_counts_block_the_collection_and_change_nothing(
        self, frozen, course, coordinator_cai
    ):
        schedule = services.schedule_create(
            by=coordinator_cai,
            course=course,
            **{**GOOD_SCHEDULE, "alc_10e9_l": Decimal("0.05"), "cd3_cells_per_ul": 90},
        )
        frozen.move_to("2026-06-15 14:00 +08:00")
        with pytest.raises(ValidationError, match="Collection blocked") as error:
            record_collection(schedule, coordinator_cai)
        assert "Absolute lymphocyte count" in str(error.value)
        assert "CD3+ count" in str(error.value)
        course.refresh_from_db()
        schedule.refresh_from_db()
        assert course.stage == "consented"
        assert schedule.status == ScheduleStatus.PLANNED
        assert not Collection.objects.exists() and not CustodyEvent.objects.exists()

    def test_only_a_clinician_overrides_and_only_with_a_reason(
        self, frozen, course, coordinator_cai, dr_ben, nurse_ada
    ):
        schedule = services.schedule_create(
            by=coordinator_cai, course=course, **{**GOOD_SCHEDULE, "alc_10e9_l": Decimal("0.05")}
        )
        for user in (coordinator_cai, nurse_ada):
            with pytest.raises(PermissionDenied):
                services.check_override(
                    by=user, schedule=schedule, check_code="alc", reason="Low but stable"
                )
        with pytest.raises(ValidationError, match="needs a reason"):
            services.check_override(by=dr_ben, schedule=schedule, check_code="alc", reason="  ")
        with pytest.raises(ValidationError, match="has passed"):
            services.check_override(by=dr_ben, schedule=schedule, check_code="cd3", reason="x")
        assert not CheckOverride.objects.exists()

        override = services.check_override(
            by=dr_ben,
            schedule=schedule,
            check_code="alc",
            reason="ALC low after bridging; manufacturer accepts, CD3+ adequate.",
        )
        assert (override.overridden_by, override.observed) == (dr_ben, "0.05")
        assert override.overridden_at is not None
        frozen.move_to("2026-06-15 14:00 +08:00")
        collection = record_collection(schedule, coordinator_cai)
        assert collection.coi_id == ChainOfIdentity.objects.get(course=course).coi_id

    def test_override_does_not_cover_new_counts(self, frozen, course, coordinator_cai, dr_ben):
        schedule = services.schedule_create(
            by=coordinator_cai, course=course, **{**GOOD_SCHEDULE, "alc_10e9_l": Decimal("0.05")}
        )
        services.check_override(by=dr_ben, schedule=schedule, check_code="alc", reason="Accept")
        services.schedule_update(
            by=coordinator_cai, schedule=schedule, expected_version=1, alc_10e9_l=Decimal("0.03")
        )
        frozen.move_to("2026-06-15 14:00 +08:00")
        with pytest.raises(ValidationError, match="Absolute lymphocyte count"):
            record_collection(schedule, coordinator_cai)
        rows = selectors.schedule_check_rows(schedule)
        alc = next(r for r in rows if r.check.code == "alc")
        # The earlier override is still shown, but it does not cover the new value.
        assert alc.blocks and len(alc.overrides) == 1 and alc.covering is None

    def test_washout_from_screening_blocks_until_overridden(
        self, frozen, course, coordinator_cai, dr_ben
    ):
        add_washout(course, dr_ben, "chemotherapy", TODAY - timedelta(days=10))
        add_washout(course, dr_ben, "systemic_steroid", TODAY - timedelta(days=30))
        schedule = services.schedule_create(by=coordinator_cai, course=course, **GOOD_SCHEDULE)
        rows = {r.check.code: r for r in selectors.schedule_check_rows(schedule)}
        assert rows["washout_chemotherapy"].blocks
        assert "needs 14 days (clear from 2026-06-19)" in rows["washout_chemotherapy"].message
        assert not rows["washout_systemic_steroid"].blocks
        frozen.move_to("2026-06-15 14:00 +08:00")
        with pytest.raises(ValidationError, match="Washout: Chemotherapy"):
            record_collection(schedule, coordinator_cai)
        services.check_override(
            by=dr_ben,
            schedule=schedule,
            check_code="washout_chemotherapy",
            reason="Rapid progression; manufacturer slot cannot wait.",
        )
        assert record_collection(schedule, coordinator_cai).pk

    def test_collection_must_be_on_the_booked_day(self, frozen, schedule, coordinator_cai):
        frozen.move_to("2026-06-16 14:00 +08:00")
        with pytest.raises(ValidationError) as error:
            record_collection(
                schedule, coordinator_cai, collected_at=at(13, 0, TODAY + timedelta(1))
            )
        assert "booked for 2026-06-15" in str(error.value)


class TestCollection:
    def test_collection_logs_custody_and_moves_the_course(self, collection, coordinator_cai):
        course = collection.course
        course.refresh_from_db()
        assert course.stage == "apheresis"
        event = course.stage_events.order_by("-id").first()
        assert (event.to_stage, event.changed_by) == ("apheresis", coordinator_cai)
        assert [e.kind for e in collection.custody_events.all()] == ["collected"]
        assert collection.schedule.status == ScheduleStatus.COLLECTED
        assert collection.manufacturing.status == ManufacturingStatus.AWAITING_CELLS

    def test_cd3_above_tnc_is_refused(self, frozen, schedule, coordinator_cai):
        frozen.move_to("2026-06-15 14:00 +08:00")
        with pytest.raises(ValidationError, match="CD3\\+ cells cannot be more"):
            record_collection(schedule, coordinator_cai, cd3_cells_10e9=Decimal("20"))
        assert not Collection.objects.exists()

    def test_handing_to_the_courier_moves_the_course_to_manufacturing(
        self, collection, coordinator_cai
    ):
        ship_to_manufacturer(collection, coordinator_cai)
        collection.course.refresh_from_db()
        assert collection.course.stage == "manufacturing"


class TestCustodyAppendOnly:
    def test_orm_refuses_to_change_or_delete(self, collection):
        event = collection.custody_events.get()
        event.place = "Somewhere else"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        events = CustodyEvent.objects.filter(pk=event.pk)
        with pytest.raises(AppendOnlyError):
            events.update(place="Elsewhere")
        with pytest.raises(AppendOnlyError):
            events.delete()
        with pytest.raises(AppendOnlyError):
            CustodyEvent.objects.bulk_update([event], ["place"])
        with pytest.raises(AppendOnlyError):
            CustodyEvent.objects.update_or_create(pk=event.pk, defaults={"place": "x"})
        event.refresh_from_db()
        assert event.place == "Apheresis unit, 3rd floor"

    def test_the_database_refuses_an_update_below_the_orm(self, collection):
        event = collection.custody_events.get()
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE apheresis_custodyevent SET place = %s WHERE id = %s",
                    ["Elsewhere", event.pk],
                )
        event.refresh_from_db()
        assert event.place == "Apheresis unit, 3rd floor"

    def test_postgresql_refuses_a_delete_below_the_orm(self, collection):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite has no DELETE trigger: Django's test flush deletes rows")
        event = collection.custody_events.get()
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM apheresis_custodyevent WHERE id = %s", [event.pk])
        assert CustodyEvent.objects.filter(pk=event.pk).exists()

    def test_out_of_order_is_refused_with_a_clear_message(self, collection, coordinator_cai):
        with pytest.raises(ValidationError) as error:
            services.custody_record(
                by=coordinator_cai,
                collection=collection,
                kind="thawed",
                occurred_at=at(14, 0),
                place="Ward 7A",
                handled_by="RN Ada",
            )
        assert "“Thawed” needs “Received at site” recorded first" in str(error.value)
        with pytest.raises(ValidationError, match="cannot be earlier than “Collected”"):
            services.custody_record(
                by=coordinator_cai,
                collection=collection,
                kind="packed",
                occurred_at=at(12, 0),
                place="Apheresis unit",
                handled_by="RN Wu",
            )
        assert collection.custody_events.count() == 1

    def test_a_correction_is_a_new_event_that_names_the_old(self, collection, coordinator_cai):
        ship_to_manufacturer(collection, coordinator_cai)
        packed = collection.custody_events.get(kind="packed")
        with pytest.raises(ValidationError, match="must say why"):
            services.custody_correct(
                by=coordinator_cai, event=packed, reason="", occurred_at=at(13, 45)
            )
        with pytest.raises(ValidationError, match="cannot be later than “Handed to courier”"):
            services.custody_correct(
                by=coordinator_cai, event=packed, reason="Typo", occurred_at=at(15, 0)
            )
        correction = services.custody_correct(
            by=coordinator_cai,
            event=packed,
            reason="Packing time read from the wrong clock",
            occurred_at=at(13, 45),
        )
        assert correction.corrects == packed and correction.kind == "packed"
        packed.refresh_from_db()
        assert packed.occurred_at == at(14, 0)  # the original is untouched
        steps = selectors.effective_steps(collection)
        assert [(e.kind, e.occurred_at) for e in steps][:2] == [
            ("collected", at(13, 30)),
            ("packed", at(13, 45)),
        ]
        assert collection.custody_events.count() == 4

    def test_void_only_the_last_step(self, collection, coordinator_cai):
        ship_to_manufacturer(collection, coordinator_cai)
        packed = collection.custody_events.get(kind="packed")
        with pytest.raises(ValidationError, match="Only the last step"):
            services.custody_correct(by=coordinator_cai, event=packed, reason="x", void=True)
        handed = collection.custody_events.get(kind="handed_to_courier")
        services.custody_correct(
            by=coordinator_cai, event=handed, reason="Courier did not come", void=True
        )
        assert [e.kind for e in selectors.effective_steps(collection)] == ["collected", "packed"]

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
    def test_readers_cannot_log_custody(self, collection, personas, role):
        with pytest.raises(PermissionDenied):
            services.custody_record(
                by=personas[role],
                collection=collection,
                kind="packed",
                occurred_at=at(14, 0),
                place="x",
                handled_by="y",
            )


class TestBagVerification:
    def test_match_mismatch_and_double_verification(
        self, collection, nurse_ada, coordinator_cai, dr_ben
    ):
        course = collection.course
        coi = collection.coi_id
        ok = services.bag_verify(by=nurse_ada, course=course, scanned_text=coi, purpose="bedside")
        assert ok.matched
        assert not selectors.coi_double_verified(course)
        # The same nurse twice is still one verifier.
        services.bag_verify(by=nurse_ada, course=course, scanned_text=coi, purpose="bedside")
        assert not selectors.coi_double_verified(course)
        other = rules.coi_make(year=2026, serial=course.pk + 1)
        refused = services.bag_verify(
            by=dr_ben, course=course, scanned_text=other, purpose="bedside"
        )
        assert refused.result == "other_patient" and not refused.matched
        assert not selectors.coi_double_verified(course)
        services.bag_verify(by=dr_ben, course=course, scanned_text=coi.lower(), purpose="bedside")
        assert selectors.coi_double_verified(course)
        assert selectors.coi_double_verified(course, purpose="bedside")
        assert not selectors.coi_double_verified(course, purpose="receipt")
        assert [v.result for v in BagVerification.objects.order_by("id")] == [
            "match",
            "match",
            "other_patient",
            "match",
        ]

    def test_other_ward_nurse_and_pharmacist_cannot_verify(
        self, collection, nurse_dan, pharmacist_pan
    ):
        for user in (nurse_dan, pharmacist_pan):
            with pytest.raises(PermissionDenied):
                services.bag_verify(
                    by=user,
                    course=collection.course,
                    scanned_text=collection.coi_id,
                    purpose="bedside",
                )
        assert not BagVerification.objects.exists()

    def test_verifications_are_append_only(self, collection, nurse_ada):
        v = services.bag_verify(
            by=nurse_ada, course=collection.course, scanned_text="nonsense", purpose="receipt"
        )
        assert v.result == "malformed"
        with pytest.raises(AppendOnlyError):
            BagVerification.objects.filter(pk=v.pk).update(result="match")
        with pytest.raises(AppendOnlyError):
            v.delete()


class TestReceipt:
    def receive(self, collection, by, **changes):
        values = {
            "lot_number": "LOT-7781",
            "received_at": at(10, 0, date(2026, 7, 3)),
            "total_cells_10e6": Decimal("140"),
            "viability_percent": Decimal("91.5"),
            "release_certificate": pdf(),
            "storage_location": "LN2-2 / rack C / box 4",
            "place": "Cell therapy lab",
            "temperature_c": Decimal("-160.0"),
        }
        values.update(changes)
        return services.product_receive(by=by, collection=collection, **values)

    def test_receipt_before_release_is_refused(self, collection, coordinator_cai):
        with pytest.raises(ValidationError, match="not released"):
            self.receive(collection, coordinator_cai)

    def test_receipt_with_dose_per_kg_and_custody(
        self, frozen, collection, coordinator_cai, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        receipt = self.receive(collection, coordinator_cai)
        # axi-cel is dosed by weight: 140 × 10⁶ cells for 70 kg = 2 × 10⁶/kg.
        assert receipt.dose_per_kg_10e6 == Decimal("2.000")
        assert receipt.weight_kg_for_dose == Decimal("70.0")
        assert receipt.release_certificate.name.startswith(
            f"apheresis/certificates/{collection.coi_id}-LOT-7781"
        )
        last = selectors.effective_steps(collection)[-1]
        assert (last.kind, last.temperature_c) == ("received_at_site", Decimal("-160.0"))

    def test_lot_mismatch_is_refused(self, frozen, collection, coordinator_cai, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        with pytest.raises(ValidationError, match="does not match the manufacturer's lot"):
            self.receive(collection, coordinator_cai, lot_number="LOT-9999")
        assert not ProductReceipt.objects.exists()

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (pdf("certificate.exe", b"MZ..."), "PDF, PNG or JPEG"),
            (pdf("certificate.pdf", PNG_BYTES), "not a PDF"),
            (pdf("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "larger than 10 MB"),
        ],
    )
    def test_certificate_is_checked(
        self, frozen, collection, coordinator_cai, settings, tmp_path, upload, message
    ):
        settings.MEDIA_ROOT = tmp_path
        manufacture_and_ship_back(frozen, collection, coordinator_cai)
        with pytest.raises(ValidationError, match=message):
            self.receive(collection, coordinator_cai, release_certificate=upload)
        assert not ProductReceipt.objects.exists()

    def test_released_out_of_spec_needs_the_results(self, collection, coordinator_cai):
        record = collection.manufacturing
        with pytest.raises(ValidationError, match="out-of-specification results first"):
            services.manufacturing_update(
                by=coordinator_cai,
                collection=collection,
                expected_version=record.version,
                status=ManufacturingStatus.RELEASED_OUT_OF_SPEC,
                lot_number="LOT-1",
                released_on=TODAY,
            )
        services.oos_record(
            by=coordinator_cai,
            collection=collection,
            parameter="Viability",
            result="68%",
            specification="≥ 70%",
        )
        updated = services.manufacturing_update(
            by=coordinator_cai,
            collection=collection,
            expected_version=record.version,
            status=ManufacturingStatus.RELEASED_OUT_OF_SPEC,
            lot_number="LOT-1",
            released_on=TODAY,
        )
        assert updated.status == "released_oos" and updated.oos_results.count() == 1


class TestVeinToVein:
    def test_before_and_after_infusion(self, frozen, collection, coordinator_cai, dr_ben):
        frozen.move_to("2026-06-25 13:30 +08:00")
        before = selectors.vein_to_vein_for(collection)
        assert (before.basis, before.calendar_days, before.elapsed) == (
            "so_far",
            10,
            timedelta(days=10),
        )
        course = collection.course
        ship_to_manufacturer(collection, coordinator_cai)
        course_at_stage(by=dr_ben, course=course, to_stage="lymphodepletion")
        frozen.move_to("2026-07-03 10:30 +08:00")
        record_passed_gate(course, on=timezone.localdate(), by=dr_ben)
        course_at_stage(by=dr_ben, course=course, to_stage="infusion")
        after = selectors.vein_to_vein_for(collection)
        assert after.basis == "infused"
        assert after.elapsed == timedelta(days=17, hours=21)
        assert after.calendar_days == 18
