"""Indications from the current labels (issue 16 item 7): one test per rule, source named.

Pure rules first (no database), then the catalogue rows the data migration wrote.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from eligibility import rules
from eligibility.rules import MET, MISSING, NOT_MET, Indication, PriorLine, Product
from tests.eligibility.test_rules import LYMPHOMA_LINES, criterion, fit

KYMRIAH_ALL = Product(
    "tisa-cel",
    "tisa-cel",
    (
        Indication(
            "B-ALL",
            "B-ALL up to age 25, refractory or in second or later relapse",
            1,
            max_age_years=25,
            requires_refractory_or_second_relapse=True,
        ),
    ),
)
YESCARTA_2L = Product(
    "axi-cel",
    "axi-cel",
    (
        Indication(
            "LBCL",
            "LBCL refractory to first-line chemoimmunotherapy or relapsed ≤ 12 months",
            1,
            12,
            min_age_years=18,
            first_line_required_drug_classes=("anti_cd20",),
        ),
    ),
)
CARTEYVA = Product(
    "relma-cel",
    "relma-cel",
    (
        Indication(
            "FL",
            "FL refractory or relapsing within 24 months of second-line or later therapy",
            2,
            min_age_years=18,
            last_line_relapse_within_months=24,
        ),
        Indication(
            "MCL",
            "MCL after ≥ 2 lines incl. a BTK inhibitor",
            2,
            min_age_years=18,
            required_prior_drug_classes=("btk_inhibitor",),
        ),
    ),
)
BREYANZI = Product(
    "liso-cel",
    "liso-cel",
    (
        Indication(
            "MCL",
            "MCL after ≥ 2 lines incl. a BTK inhibitor",
            2,
            min_age_years=18,
            ecog_max=2,
            required_prior_drug_classes=("btk_inhibitor",),
        ),
        Indication("MZL", "MZL after ≥ 2 lines of systemic therapy", 2, min_age_years=18),
    ),
)

YOUNG = date(2008, 5, 17)  # 18 on the assessment day: inside Kymriah's "up to 25"


def line(n, response, progression=None, classes=(), end=None):
    start = date(2020 + n, 1, 1)
    return PriorLine(n, start, end or date(2020 + n, 6, 1), response, progression, classes)


class TestKymriahAllRefractoryOrSecondRelapse:
    """Kymriah US PI §1: B-ALL refractory or in second or later relapse; first relapse is not
    an indication."""

    def evaluate(self, *lines):
        s = fit("B-ALL", date_of_birth=YOUNG, prior_lines=lines)
        return rules.evaluate_eligibility(s, KYMRIAH_ALL)

    def test_kymriah_first_relapse_is_not_eligible(self):
        result = self.evaluate(line(1, "CR", date(2022, 1, 1)))
        c = criterion(result, "refractory_or_second_relapse")
        assert (c.status, c.code) == (NOT_MET, "first_relapse")
        assert result.overall == rules.NOT_ELIGIBLE

    def test_kymriah_second_relapse_is_eligible(self):
        result = self.evaluate(line(1, "CR", date(2022, 1, 1)), line(2, "CR", date(2023, 1, 1)))
        c = criterion(result, "refractory_or_second_relapse")
        assert (c.status, c.code) == (MET, "second_relapse")
        assert result.overall == rules.ELIGIBLE

    def test_kymriah_primary_refractory_is_eligible(self):
        c = criterion(self.evaluate(line(1, "PD")), "refractory_or_second_relapse")
        assert (c.status, c.code) == (MET, "refractory")

    def test_kymriah_unknown_response_is_missing_not_eligible(self):
        c = criterion(
            self.evaluate(line(1, "CR", date(2022, 1, 1)), line(2, None)),
            "refractory_or_second_relapse",
        )
        assert c.status == MISSING

    def test_kymriah_in_remission_without_relapse_is_not_indicated(self):
        c = criterion(self.evaluate(line(1, "CR")), "refractory_or_second_relapse")
        assert (c.status, c.code) == (NOT_MET, "not_relapsed_or_refractory")


class TestYescartaSecondLineAfterChemoimmunotherapy:
    """Yescarta US PI §1: second line when refractory to, or relapsed ≤ 12 months after,
    first-line chemoimmunotherapy (an anti-CD20 antibody with chemotherapy)."""

    def test_yescarta_first_line_without_anti_cd20_is_not_eligible(self):
        first = replace(LYMPHOMA_LINES[0], drug_classes=("anthracycline",), best_response="PD")
        result = rules.evaluate_eligibility(fit(prior_lines=(first,)), YESCARTA_2L)
        c = criterion(result, "first_line_classes")
        assert (c.status, c.code) == (NOT_MET, "first_line_classes_lacking")
        assert result.overall == rules.NOT_ELIGIBLE

    def test_yescarta_refractory_to_r_chop_is_eligible(self):
        first = replace(
            LYMPHOMA_LINES[0], drug_classes=("anti_cd20", "anthracycline"), best_response="PD"
        )
        result = rules.evaluate_eligibility(fit(prior_lines=(first,)), YESCARTA_2L)
        assert criterion(result, "first_line_classes").status == MET
        assert result.overall == rules.ELIGIBLE


class TestCarteyvaFollicular:
    """Carteyva (relma-cel) NMPA approval: FL refractory or relapsing within 24 months of
    second-line or later systemic therapy."""

    def evaluate(self, second):
        lines = (line(1, "CR", date(2021, 12, 1), ("anti_cd20",)), second)
        return rules.evaluate_eligibility(fit("FL", prior_lines=lines), CARTEYVA)

    @pytest.mark.parametrize(
        ("relapse", "status"),
        [(date(2024, 6, 1), MET), (date(2024, 6, 2), NOT_MET)],
        ids=["exactly-24-months", "24-months-and-a-day"],
    )
    def test_carteyva_fl_relapse_within_24_months_of_second_line(self, relapse, status):
        result = self.evaluate(line(2, "PR", relapse, end=date(2022, 6, 1)))
        assert criterion(result, "last_line_outcome").status == status

    def test_carteyva_fl_refractory_to_second_line_is_met(self):
        c = criterion(self.evaluate(line(2, "SD")), "last_line_outcome")
        assert (c.status, c.code) == (MET, "last_line_refractory")

    def test_carteyva_fl_after_one_line_is_not_eligible(self):
        lines = (line(1, "PD"),)
        result = rules.evaluate_eligibility(fit("FL", prior_lines=lines), CARTEYVA)
        assert criterion(result, "last_line_outcome").status == NOT_MET
        assert result.overall == rules.NOT_ELIGIBLE

    def test_carteyva_fl_missing_relapse_date_is_missing(self):
        c = criterion(self.evaluate(line(2, "CR")), "last_line_outcome")
        assert c.status == MISSING

    def test_carteyva_mcl_needs_a_btk_inhibitor(self):
        lines = (line(1, "CR", date(2022, 1, 1), ("anti_cd20",)), line(2, "PD"))
        result = rules.evaluate_eligibility(fit("MCL", prior_lines=lines), CARTEYVA)
        assert criterion(result, "prior_drug_classes").status == NOT_MET
        lines = (lines[0], line(2, "PD", classes=("btk_inhibitor",)))
        result = rules.evaluate_eligibility(fit("MCL", prior_lines=lines), CARTEYVA)
        assert result.overall == rules.ELIGIBLE


class TestBreyanziMclAndMzl:
    """Breyanzi US PI §1: MCL after ≥ 2 lines incl. a BTK inhibitor; MZL after ≥ 2 lines
    (§1.5, December 2025)."""

    def test_breyanzi_mcl_after_two_lines_with_btk_inhibitor(self):
        lines = (line(1, "CR", date(2022, 1, 1)), line(2, "PD", classes=("btk_inhibitor",)))
        result = rules.evaluate_eligibility(fit("MCL", prior_lines=lines), BREYANZI)
        assert result.overall == rules.ELIGIBLE
        one = rules.evaluate_eligibility(fit("MCL", prior_lines=lines[1:2]), BREYANZI)
        assert criterion(one, "prior_lines").status == NOT_MET

    def test_breyanzi_mzl_is_a_diagnosis_and_needs_two_lines(self):
        lines = (line(1, "CR", date(2022, 1, 1)), line(2, "PD"))
        assert rules.evaluate_eligibility(fit("MZL", prior_lines=lines), BREYANZI).overall == (
            rules.ELIGIBLE
        )
        one = rules.evaluate_eligibility(fit("MZL", prior_lines=lines[:1]), BREYANZI)
        assert one.overall == rules.NOT_ELIGIBLE


# --- The catalogue rows the data migration wrote --------------------------------------------


@pytest.mark.django_db
class TestCatalogue:
    def rows(self, code):
        from catalogue.models import ProductIndication

        return {
            (i.diagnosis, i.description): i
            for i in ProductIndication.objects.filter(product__code=code, active=True)
        }

    def test_every_indication_names_its_source(self):
        from catalogue.models import ProductIndication

        assert not ProductIndication.objects.filter(source="").exists()

    def test_tisa_cel_all_row_refuses_first_relapse(self):
        (row,) = [r for (dx, _), r in self.rows("tisa-cel").items() if dx == "B-ALL"]
        assert row.requires_refractory_or_second_relapse and row.verified
        assert "Kymriah" in row.source

    def test_axi_cel_second_line_row_requires_first_line_anti_cd20(self):
        rows = self.rows("axi-cel")
        second = [r for r in rows.values() if r.first_line_relapse_within_months == 12]
        assert [r.first_line_required_drug_classes for r in second] == [["anti_cd20"]]
        assert "review" in second[0].source and not second[0].verified

    def test_liso_cel_has_mcl_and_mzl_and_relma_cel_mcl_and_fl(self):
        liso = {dx for dx, _ in self.rows("liso-cel")}
        assert {"MCL", "MZL", "CLL/SLL"} <= liso
        relma = self.rows("relma-cel")
        assert {dx for dx, _ in relma} >= {"MCL", "FL", "LBCL"}
        (fl,) = [r for (dx, _), r in relma.items() if dx == "FL"]
        assert (fl.min_prior_lines, fl.last_line_relapse_within_months) == (2, 24)

    def test_catalogue_rows_evaluate_through_the_rules(self):
        from catalogue.models import CarTProduct
        from eligibility.selectors import product_rules

        kymriah = product_rules(CarTProduct.objects.get(code="tisa-cel"))
        s = fit("B-ALL", date_of_birth=YOUNG, prior_lines=(line(1, "CR", date(2022, 1, 1)),))
        result = rules.evaluate_eligibility(s, kymriah)
        assert criterion(result, "refractory_or_second_relapse").code == "first_relapse"
