"""Issue 18: screening labs from the laboratory system, through eligibility's service: the
interface account fills the open screening, converted to the stored units; a typed edit
flips the source back; an older result never overwrites a newer value."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eligibility import selectors, services
from eligibility.lab_services import screening_lab_receive
from interfaces.services import interface_account
from tests.eligibility.conftest import screened_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
CQ = ZoneInfo("Asia/Shanghai")


def at(hour, minute=0):
    return datetime(2026, 6, 15, hour, minute, tzinfo=CQ)


# CAR-HEMATOTOX inputs (Rejeski 2021) in the units a Chinese laboratory sends.
POOR_MARROW = [
    ("haemoglobin", "75", "g/L", at(11)),
    ("platelets", "40", "10*9/L", at(11)),
    ("anc", "900", "/uL", at(11)),
    ("crp", "45", "mg/L", at(11)),
    ("ferritin", "2500", "ug/L", at(11)),
]


@pytest.fixture
def course(frozen, patient_7a, dr_ben):
    """Screened (typed) at 09:00; the laboratory's samples below are from later that day."""
    course = screened_course(patient_7a, dr_ben)
    frozen.move_to("2026-06-15 14:00 +08:00")
    return course


def receive(course, results, message="HL7 M1"):
    return screening_lab_receive(
        by=interface_account(), course=course, results=results, message=message
    )


class TestScreeningLabReceive:
    def test_fills_the_fields_in_their_units_and_changes_car_hematotox(self, course):
        assessment = selectors.screening_for_course(course)
        assert selectors.evaluate(assessment).risks.hematotox.group == "low"
        version = assessment.version
        changed = receive(course, POOR_MARROW)
        assessment.refresh_from_db()
        assert set(changed) == {
            "haemoglobin_g_dl",
            "platelets_10e9_l",
            "anc_10e9_l",
            "crp_mg_dl",
            "ferritin_ng_ml",
        }
        assert (
            assessment.haemoglobin_g_dl,
            assessment.platelets_10e9_l,
            assessment.anc_10e9_l,
            assessment.crp_mg_dl,
            assessment.ferritin_ng_ml,
        ) == (Decimal("7.5"), Decimal("40"), Decimal("0.9"), Decimal("4.5"), Decimal("2500"))
        assert assessment.version == version + 1
        assert assessment.lab_sources["crp_mg_dl"] == {
            "source": "lab_system",
            "observed_at": at(11).isoformat(),
            "message": "HL7 M1",
        }
        assert selectors.evaluate(assessment).risks.hematotox.group == "high"

    def test_enzymes_bilirubin_and_clearance(self, course):
        receive(
            course,
            [
                ("ldh", "480", "U/L", at(11)),
                ("alt", "55", "[IU]/L", at(11)),
                ("ast", "61", "U/L", at(11)),
                ("bilirubin", "17.1", "umol/L", at(11)),
                ("crcl", "72", "mL/min", at(11)),
                ("alc", "0.3", "10*9/L", at(11)),
            ],
        )
        a = selectors.screening_for_course(course)
        assert (a.ldh_u_l, a.alt_u_l, a.ast_u_l, a.bilirubin_mg_dl, a.crcl_ml_min) == (
            Decimal("480"),
            Decimal("55"),
            Decimal("61"),
            Decimal("1.00"),
            Decimal("72"),
        )
        assert a.alc_10e9_l == Decimal("0.3")

    def test_a_sample_older_than_the_typed_value_does_not_overwrite_it(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)  # typed at 09:00
        assert receive(course, [("haemoglobin", "7.0", "g/dL", at(8))]) == []
        assert selectors.screening_for_course(course).haemoglobin_g_dl == Decimal("11.8")

    def test_an_older_result_does_not_overwrite_a_newer_one(self, course):
        receive(course, [("haemoglobin", "8.0", "g/dL", at(12))], message="HL7 NEW")
        assert receive(course, [("haemoglobin", "12.0", "g/dL", at(11))], message="HL7 OLD") == []
        a = selectors.screening_for_course(course)
        assert a.haemoglobin_g_dl == Decimal("8.0")
        assert a.lab_sources["haemoglobin_g_dl"]["message"] == "HL7 NEW"

    def test_a_typed_edit_flips_the_source_and_outranks_an_older_result(self, course, dr_ben):
        receive(course, [("haemoglobin", "8.0", "g/dL", at(11)), ("crp", "1", "mg/dL", at(11))])
        a = selectors.screening_for_course(course)
        services.screening_update(
            by=dr_ben,
            assessment=a,
            expected_version=a.version,
            fields={"haemoglobin_g_dl": Decimal("9.1"), "crp_mg_dl": Decimal("1.00")},
        )
        a.refresh_from_db()
        assert a.lab_sources["haemoglobin_g_dl"]["source"] == "typed"
        assert a.lab_sources["crp_mg_dl"]["source"] == "lab_system"  # value unchanged
        # Typed at 14:00 (now): a sample from 13:30 is older than the typed value.
        assert receive(course, [("haemoglobin", "7.0", "g/dL", at(13, 30))]) == []
        a.refresh_from_db()
        assert a.haemoglobin_g_dl == Decimal("9.1")

    def test_only_the_interface_account(self, course, dr_ben):
        with pytest.raises(PermissionDenied):
            screening_lab_receive(by=dr_ben, course=course, results=POOR_MARROW, message="x")

    def test_bad_unit_or_implausible_value_changes_nothing(self, course):
        a = selectors.screening_for_course(course)
        for bad in (
            ("haemoglobin", "8", "mmol/L", at(11)),
            ("platelets", "90000", "10*9/L", at(11)),
        ):
            with pytest.raises(ValidationError):
                receive(course, [bad])
        a.refresh_from_db()
        assert a.haemoglobin_g_dl == Decimal("11.8")
        assert a.lab_sources["haemoglobin_g_dl"]["source"] == "typed"

    def test_no_screening_in_progress_nothing_changes(self, course, dr_ben):
        from tests.factories import course_at_stage

        course_at_stage(by=dr_ben, course=course, to_stage="eligible")
        course.refresh_from_db()
        assert receive(course, POOR_MARROW) == []
