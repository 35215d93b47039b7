"""Screening, MDT decision and consent services, with the course's stage moving alongside."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue import selectors as catalogue_selectors
from catalogue.models import ProductIndication, Threshold
from core.versioning import StaleEditError
from eligibility import rules, selectors, services
from eligibility.models import ConsentRecord, MdtDecision, ScreeningAssessment
from patients.models import StageEvent
from tests.eligibility.conftest import (
    ALL_ITEMS,
    FIT_FIELDS,
    FIT_LINES,
    PNG_BYTES,
    TODAY,
    approved_course,
    open_course,
    pdf,
    screened_course,
)
from tests.factories import PASSWORD, PatientFactory, course_at_stage, product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


class TestCatalogue:
    def test_every_product_has_label_data_and_indications(self):
        from catalogue.models import CarTProduct

        for item in CarTProduct.objects.all():
            assert item.label.monitoring_window_days >= 14
            assert item.indications.exists(), item.code

    def test_regimen_keys_are_those_of_the_dosing_table(self):
        from catalogue.regimens import REGIMENS

        keys = set(
            ProductIndication.objects.exclude(lymphodepletion_regimen_key="").values_list(
                "lymphodepletion_regimen_key", flat=True
            )
        )
        assert keys <= set(REGIMENS)
        assert {"axi-cel", "ide-cel", "cilta-cel", "tisa-cel-all"} <= keys

    def test_seeded_indications_match_the_rule_tests(self):
        from tests.eligibility.test_rules import AXI_CEL, IDE_CEL, LISO_CEL

        for expected in (AXI_CEL, LISO_CEL, IDE_CEL):
            seeded = selectors.product_rules(product(expected.code))
            by_diagnosis = sorted(expected.indications, key=lambda i: i.diagnosis)
            assert [
                (
                    i.diagnosis,
                    i.min_prior_lines,
                    i.first_line_relapse_within_months,
                    i.ecog_max,
                    i.post_transplant_rule,
                    i.required_prior_drug_classes,
                )
                for i in seeded.indications
            ] == [
                (
                    i.diagnosis,
                    i.min_prior_lines,
                    i.first_line_relapse_within_months,
                    i.ecog_max,
                    i.post_transplant_rule,
                    i.required_prior_drug_classes,
                )
                for i in by_diagnosis
            ]

    def test_thresholds_are_seeded_and_edits_reach_the_rules(self):
        assert Threshold.objects.count() == len(rules.DEFAULT_THRESHOLDS)
        Threshold.objects.filter(key="crcl_min").update(value=30)
        table = catalogue_selectors.thresholds()
        assert table["crcl_min"].value == 30
        assert table["crcl_min"].unit == "mL/min"


class TestScreeningStart:
    def test_moves_a_referred_course_to_screening(self, patient_7a, dr_ben):
        course = open_course(patient_7a, dr_ben)
        assessment = services.screening_start(by=dr_ben, course=course)
        course.refresh_from_db()
        assert course.stage == "screening"
        assert assessment.diagnosis == patient_7a.diagnosis
        assert assessment.assessed_on == TODAY
        event = course.stage_events.last()
        # The system's words as a code (issue 17), shown in English by default.
        assert (event.reason_text, event.reason, event.reason_shown) == (
            {"code": "eligibility.screening_started", "params": {}},
            "",
            "Screening started.",
        )

    def test_a_second_start_returns_the_same_screening(self, patient_7a, dr_ben):
        course = open_course(patient_7a, dr_ben)
        first = services.screening_start(by=dr_ben, course=course)
        assert services.screening_start(by=dr_ben, course=course) == first
        assert ScreeningAssessment.objects.count() == 1
        assert course.stage_events.count() == 2

    def test_a_course_in_screening_without_one_gets_a_screening(self, patient_7a, dr_ben):
        course = open_course(patient_7a, dr_ben)
        course_at_stage(by=dr_ben, course=course, to_stage="screening")
        assessment = services.screening_start(by=dr_ben, course=course)
        assert assessment.course == course and course.stage_events.count() == 2

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "administrator", "auditor"])
    def test_only_clinicians(self, personas, patient_7a, role):
        course = open_course(patient_7a, personas["clinician"])
        with pytest.raises(PermissionDenied):
            services.screening_start(by=personas[role], course=course)
        course.refresh_from_db()
        assert course.stage == "referred" and not ScreeningAssessment.objects.exists()

    def test_refused_past_screening_without_one(self, patient_7a, dr_ben):
        course = open_course(patient_7a, dr_ben)
        course_at_stage(by=dr_ben, course=course, to_stage="screening")
        course_at_stage(by=dr_ben, course=course, to_stage="not_eligible")
        with pytest.raises(ValidationError, match="Screening starts from a referred course"):
            services.screening_start(by=dr_ben, course=course)


class TestScreeningUpdate:
    def test_saves_fields_lines_and_washouts(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        assert assessment.version == 2
        assert assessment.updated_by == dr_ben
        assert [line.regimen for line in assessment.prior_lines.all()] == ["R-CHOP × 6", "R-GemOx"]
        assert assessment.prior_lines.first().drug_classes == ["anti_cd20", "anthracycline"]
        evaluation = selectors.evaluate(assessment)
        assert evaluation.result.overall == rules.ELIGIBLE
        assert evaluation.indication.description == "LBCL after ≥ 2 lines of systemic therapy"
        assert evaluation.earliest_apheresis == date(2026, 6, 17)
        assert selectors.washout_therapies_for_course(course) == [
            rules.WashoutTherapy("systemic_steroid", date(2026, 6, 10), "dexamethasone 20 mg")
        ]

    def test_partial_save_is_incomplete(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben, fields={"ecog": 1}, lines=[])
        evaluation = selectors.evaluate(selectors.screening_for_course(course))
        assert evaluation.result.overall == rules.INCOMPLETE
        assert "anc" in [c.key for c in evaluation.result.missing]

    def test_lists_left_out_are_kept(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        services.screening_update(
            by=dr_ben, assessment=assessment, expected_version=2, fields={"ecog": 0}
        )
        assessment.refresh_from_db()
        assert assessment.ecog == 0 and assessment.prior_lines.count() == 2

    def test_a_stale_version_is_refused(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        with pytest.raises(StaleEditError, match="changed by"):
            services.screening_update(
                by=dr_ben, assessment=assessment, expected_version=1, fields={"ecog": 3}
            )
        assessment.refresh_from_db()
        assert assessment.ecog == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"ecog": 7}, "ecog", "ECOG runs from 0 to 4."),
            ({"platelets_10e9_l": "-5"}, "platelets_10e9_l", "cannot be negative"),
            ({"anc_10e9_l": "-0.1"}, "anc_10e9_l", "cannot be negative"),
            ({"assessed_on": date(2026, 6, 16)}, "assessed_on", "cannot be in the future"),
            ({"transplant_date": date(2027, 1, 1)}, "transplant_date", "cannot be in the future"),
            ({"assessed_on": date(1960, 1, 1)}, "assessed_on", "before the date of birth"),
            ({"spo2_percent": "101"}, "spo2_percent", "Above 100"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_changes(
        self, patient_7a, dr_ben, fields, field, message
    ):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        with pytest.raises(ValidationError) as error:
            services.screening_update(
                by=dr_ben, assessment=assessment, expected_version=2, fields=fields
            )
        assert message in " ".join(error.value.message_dict[field])
        fresh = ScreeningAssessment.objects.get(pk=assessment.pk)
        assert (fresh.version, fresh.ecog, fresh.platelets_10e9_l) == (2, 1, 190)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"end_date": date(2026, 7, 1)}, "cannot be in the future"),
            ({"end_date": date(2023, 1, 1)}, "cannot end before it starts"),
            ({"progression_date": date(2023, 12, 1)}, "cannot come before the line starts"),
            ({"regimen": ""}, "Line 1"),
            ({"line_number": 2}, "appears twice"),
            ({"drug_classes": ["steroid"]}, "Choose drug classes"),
        ],
    )
    def test_bad_lines_are_refused(self, patient_7a, dr_ben, change, message):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        first, second = assessment.prior_lines.order_by("line_number")
        # The lines as recorded, the first one edited.
        lines = [{"id": first.pk, **FIT_LINES[0], **change}, {"id": second.pk, **FIT_LINES[1]}]
        with pytest.raises(ValidationError) as error:
            services.screening_update(
                by=dr_ben, assessment=assessment, expected_version=2, prior_lines=lines
            )
        assert message in " ".join(error.value.message_dict["prior_lines"])
        assert assessment.prior_lines.count() == 2

    def test_future_washout_is_refused(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        with pytest.raises(ValidationError, match="last dose cannot be dated in the future"):
            services.screening_update(
                by=dr_ben,
                assessment=assessment,
                expected_version=2,
                washout_therapies=[
                    {"therapy_class": "chemotherapy", "last_dose_date": date(2026, 6, 20)}
                ],
            )

    def test_nurse_may_not_write(self, patient_7a, dr_ben, nurse_ada):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        with pytest.raises(PermissionDenied):
            services.screening_update(
                by=nurse_ada, assessment=assessment, expected_version=2, fields={"ecog": 0}
            )

    def test_locked_once_decided(self, patient_7a, dr_ben):
        course = approved_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        with pytest.raises(ValidationError, match="only while the course is in screening"):
            services.screening_update(
                by=dr_ben, assessment=assessment, expected_version=2, fields={"ecog": 0}
            )

    def test_history_records_who_changed_what(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        records = list(assessment.history.order_by("history_id"))
        assert [r.history_user for r in records] == [dr_ben, dr_ben]
        assert (records[0].ecog, records[1].ecog) == (None, 1)


class TestDecision:
    def test_approve_an_eligible_screening(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        record = services.decision_record(
            password=PASSWORD,
            by=dr_ben,
            course=course,
            decision="approve",
            attendees="Dr Ben, Dr Wang, RN Ada",
        )
        course.refresh_from_db()
        assert course.stage == "eligible"
        assert record.rule_result == "eligible" and record.decided_on == TODAY
        [anc] = [c for c in record.criteria_snapshot if c["key"] == "anc"]
        assert (anc["status"], anc["reason"], anc["code"]) == ("met", "2.6 ≥ 1 ×10⁹/L", "compare")
        event = course.stage_events.last()
        assert (event.to_stage, event.changed_by, event.reason_text, event.reason_shown) == (
            "eligible",
            dr_ben,
            {"code": "eligibility.mdt_approved", "params": {}},
            "MDT approved.",
        )

    @pytest.mark.parametrize(
        ("fields", "result"),
        [
            ({**FIT_FIELDS, "lvef_percent": None}, "incomplete"),
            ({**FIT_FIELDS, "anc_10e9_l": "0.5"}, "not_eligible"),
        ],
    )
    def test_approving_against_the_rules_needs_a_justification(
        self, patient_7a, dr_ben, fields, result
    ):
        course = screened_course(patient_7a, dr_ben, fields=fields)
        with pytest.raises(ValidationError) as error:
            services.decision_record(
                password=PASSWORD, by=dr_ben, course=course, decision="approve"
            )
        assert "write why the team approves it" in error.value.message_dict["justification"][0]
        course.refresh_from_db()
        assert course.stage == "screening" and not MdtDecision.objects.exists()

        record = services.decision_record(
            password=PASSWORD,
            by=dr_ben,
            course=course,
            decision="approve",
            justification="Echo booked; LVEF 58% last month at the referring centre.",
        )
        course.refresh_from_db()
        assert course.stage == "eligible" and record.rule_result == result
        assert "Echo booked" in course.stage_events.last().reason

    def test_decline_moves_to_not_eligible(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben, fields={**FIT_FIELDS, "ecog": 3})
        services.decision_record(password=PASSWORD, by=dr_ben, course=course, decision="decline")
        course.refresh_from_db()
        assert course.stage == "not_eligible"

    def test_declining_an_eligible_screening_needs_a_reason(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError, match="write why the team declines"):
            services.decision_record(
                password=PASSWORD, by=dr_ben, course=course, decision="decline"
            )

    def test_defer_keeps_the_course_in_screening(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        services.decision_record(password=PASSWORD, by=dr_ben, course=course, decision="defer")
        course.refresh_from_db()
        assert course.stage == "screening" and MdtDecision.objects.count() == 1

    def test_future_or_early_dates_are_refused(self, patient_7a, dr_ben):
        course = screened_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError, match="cannot be in the future"):
            services.decision_record(
                password=PASSWORD,
                by=dr_ben,
                course=course,
                decision="defer",
                decided_on=date(2026, 6, 16),
            )
        with pytest.raises(ValidationError, match="before screening started"):
            services.decision_record(
                password=PASSWORD,
                by=dr_ben,
                course=course,
                decision="defer",
                decided_on=date(2026, 6, 1),
            )

    def test_only_in_screening_and_only_clinicians(self, patient_7a, dr_ben, auditor_cara):
        course = open_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError, match="while the course is in screening"):
            services.decision_record(
                password=PASSWORD, by=dr_ben, course=course, decision="approve"
            )
        course = screened_course(PatientFactory(ward=patient_7a.ward), dr_ben)
        with pytest.raises(PermissionDenied):
            services.decision_record(
                password=PASSWORD, by=auditor_cara, course=course, decision="approve"
            )


class TestConsent:
    def test_records_consent_and_moves_to_consented(self, patient_7a, dr_ben, media):
        course = approved_course(patient_7a, dr_ben)
        record = services.consent_record(
            by=dr_ben,
            course=course,
            consented_on=TODAY,
            explained_by=dr_ben,
            document=pdf("Liu signed consent.pdf"),
            **ALL_ITEMS,
        )
        course.refresh_from_db()
        assert course.stage == "consented"
        assert record.document.name.startswith("consent/")
        assert "Liu" not in record.document.name
        assert record.document_name == "Liu signed consent.pdf"
        assert (media / record.document.name).read_bytes().startswith(b"%PDF-")
        event = course.stage_events.last()
        assert (event.reason_text, event.reason, event.reason_shown) == (
            {"code": "eligibility.consent_signed", "params": {}},
            "",
            "Informed consent signed.",
        )

    def test_every_item_must_be_explained(self, patient_7a, dr_ben, media):
        course = approved_course(patient_7a, dr_ben)
        items = {**ALL_ITEMS, "explained_price": False, "explained_restrictions": False}
        with pytest.raises(ValidationError) as error:
            services.consent_record(
                by=dr_ben,
                course=course,
                consented_on=TODAY,
                explained_by=dr_ben,
                document=pdf(),
                **items,
            )
        assert set(error.value.message_dict) == {"explained_price", "explained_restrictions"}
        assert "price of the treatment" in error.value.message_dict["explained_price"][0]
        course.refresh_from_db()
        assert course.stage == "eligible" and not ConsentRecord.objects.exists()
        assert not list(media.rglob("*.pdf"))

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (SimpleUploadedFile("consent.txt", b"hello"), "must be a PDF, JPEG or PNG"),
            (SimpleUploadedFile("consent.pdf", b"MZ\x90\x00 not a pdf"), "is not a PDF"),
            (SimpleUploadedFile("consent.png", b"%PDF-1.4"), "is not a PNG"),
            (
                SimpleUploadedFile("consent.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
                "the limit is 10 MB",
            ),
        ],
    )
    def test_bad_documents_are_refused(self, patient_7a, dr_ben, media, upload, message):
        course = approved_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError) as error:
            services.consent_record(
                by=dr_ben,
                course=course,
                consented_on=TODAY,
                explained_by=dr_ben,
                document=upload,
                **ALL_ITEMS,
            )
        assert message in error.value.message_dict["document"][0]
        assert not ConsentRecord.objects.exists()

    def test_png_is_accepted(self, patient_7a, dr_ben, media):
        course = approved_course(patient_7a, dr_ben)
        record = services.consent_record(
            by=dr_ben,
            course=course,
            consented_on=TODAY,
            explained_by=dr_ben,
            document=SimpleUploadedFile("scan.PNG", PNG_BYTES),
            **ALL_ITEMS,
        )
        assert record.document.name.endswith(".png")

    def test_dates_and_explainer_are_checked(self, patient_7a, dr_ben, nurse_ada, media):
        course = approved_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError) as error:
            services.consent_record(
                by=dr_ben,
                course=course,
                consented_on=date(2026, 6, 16),
                explained_by=nurse_ada,
                document=pdf(),
                **ALL_ITEMS,
            )
        assert "cannot be in the future" in error.value.message_dict["consented_on"][0]
        assert "must be a clinician" in error.value.message_dict["explained_by"][0]
        with pytest.raises(ValidationError, match="before the MDT approval"):
            services.consent_record(
                by=dr_ben,
                course=course,
                consented_on=date(2026, 6, 2),
                explained_by=dr_ben,
                document=pdf(),
                **ALL_ITEMS,
            )

    def test_only_after_approval(self, patient_7a, dr_ben, media):
        course = screened_course(patient_7a, dr_ben)
        with pytest.raises(ValidationError, match="once the MDT has approved"):
            services.consent_record(
                by=dr_ben,
                course=course,
                consented_on=TODAY,
                explained_by=dr_ben,
                document=pdf(),
                **ALL_ITEMS,
            )

    def test_nurse_may_not_record_consent(self, patient_7a, dr_ben, nurse_ada, media):
        course = approved_course(patient_7a, dr_ben)
        with pytest.raises(PermissionDenied):
            services.consent_record(
                by=nurse_ada,
                course=course,
                consented_on=TODAY,
                explained_by=dr_ben,
                document=pdf(),
                **ALL_ITEMS,
            )
        assert StageEvent.objects.filter(course=course, to_stage="consented").count() == 0
