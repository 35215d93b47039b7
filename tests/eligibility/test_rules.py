"""Eligibility rules, poor-outcome signals, CAR-HEMATOTOX and washout: pure functions only.

The products below mirror the seeded catalogue (test_catalogue.py checks they agree), so each
rule is shown met, not met and missing for axi-cel, liso-cel and ide-cel at least.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from eligibility import rules
from eligibility.rules import (
    MET,
    MISSING,
    NOT_MET,
    Indication,
    PriorLine,
    Product,
    Screening,
    evaluate_eligibility,
    hematotox_score,
)

TODAY = date(2026, 6, 15)

AXI_CEL = Product(
    "axi-cel",
    "axi-cel",
    (
        Indication(
            "LBCL", "LBCL refractory to first line or relapsed ≤ 12 months", 1, 12, min_age_years=18
        ),
        Indication("LBCL", "LBCL after ≥ 2 lines of systemic therapy", 2, min_age_years=18),
        Indication("FL", "FL after ≥ 2 lines of systemic therapy", 2, min_age_years=18),
    ),
)
LISO_CEL = Product(
    "liso-cel",
    "liso-cel",
    (
        Indication(
            "LBCL",
            "LBCL second line: refractory or relapsed ≤ 12 months",
            1,
            12,
            min_age_years=18,
            ecog_max=2,
        ),
        Indication(
            "LBCL",
            "LBCL second line, not a transplant candidate",
            1,
            post_transplant_rule="not_candidate",
            min_age_years=18,
            ecog_max=2,
        ),
        Indication(
            "LBCL", "LBCL after ≥ 2 lines of systemic therapy", 2, min_age_years=18, ecog_max=2
        ),
        Indication(
            "CLL/SLL",
            "CLL/SLL after ≥ 2 lines incl. BTK and BCL-2 inhibitors",
            2,
            min_age_years=18,
            ecog_max=2,
            required_prior_drug_classes=("btk_inhibitor", "bcl2_inhibitor"),
        ),
        Indication("FL", "FL after ≥ 2 lines of systemic therapy", 2, min_age_years=18, ecog_max=2),
        # Issue 16 item 7: Breyanzi MCL (≥ 2 lines incl. a BTK inhibitor) and MZL (≥ 2 lines).
        Indication(
            "MCL",
            "MCL after ≥ 2 lines incl. a BTK inhibitor",
            2,
            min_age_years=18,
            ecog_max=2,
            required_prior_drug_classes=("btk_inhibitor",),
        ),
        Indication(
            "MZL", "MZL after ≥ 2 lines of systemic therapy", 2, min_age_years=18, ecog_max=2
        ),
    ),
)
IDE_CEL = Product(
    "ide-cel",
    "ide-cel",
    (
        Indication(
            "MM",
            "Myeloma after ≥ 2 lines incl. an IMiD, a PI and an anti-CD38",
            2,
            min_age_years=18,
            required_prior_drug_classes=("imid", "proteasome_inhibitor", "anti_cd38"),
        ),
    ),
)
CILTA_CEL = Product(
    "cilta-cel",
    "cilta-cel",
    (
        Indication(
            "MM",
            "Myeloma after ≥ 1 line, lenalidomide-refractory",
            1,
            min_age_years=18,
            required_prior_drug_classes=("imid", "proteasome_inhibitor"),
            requires_lenalidomide_refractory=True,
        ),
    ),
)
TISA_CEL = Product(
    "tisa-cel",
    "tisa-cel",
    (
        Indication("B-ALL", "B-ALL, refractory or relapsed, up to age 25", 1, max_age_years=25),
        Indication("LBCL", "LBCL after ≥ 2 lines of systemic therapy", 2, min_age_years=18),
    ),
)
BREXU_CEL = Product(
    "brexu-cel",
    "brexu-cel",
    (Indication("MCL", "Adult relapsed or refractory MCL", 1, min_age_years=18),),
)

MYELOMA_LINES = (
    PriorLine(
        1,
        date(2023, 1, 1),
        date(2023, 9, 1),
        "PR",
        date(2024, 2, 1),
        ("imid", "proteasome_inhibitor"),
    ),
    PriorLine(2, date(2024, 3, 1), date(2025, 1, 1), "PR", date(2025, 6, 1), ("anti_cd38", "imid")),
)
LYMPHOMA_LINES = (
    PriorLine(1, date(2024, 1, 10), date(2024, 6, 1), "CR", date(2025, 3, 1), ("anti_cd20",)),
    PriorLine(2, date(2025, 3, 20), date(2025, 7, 1), "PR", date(2026, 3, 1)),
)


def fit(diagnosis="LBCL", **overrides) -> Screening:
    """A patient who meets every default threshold, with room to spare only where needed."""
    values = dict(
        assessed_on=TODAY,
        date_of_birth=date(1970, 5, 17),
        diagnosis=diagnosis,
        prior_lines=MYELOMA_LINES if diagnosis == "MM" else LYMPHOMA_LINES,
        prior_autologous_transplant=False,
        transplant_candidate=False,
        lenalidomide_refractory=True,
        ecog=1,
        crcl_ml_min=Decimal("85"),
        bilirubin_mg_dl=Decimal("0.8"),
        alt_u_l=Decimal("30"),
        alt_uln_u_l=Decimal("40"),
        ast_u_l=Decimal("28"),
        ast_uln_u_l=Decimal("40"),
        lvef_percent=Decimal("60"),
        spo2_percent=Decimal("97"),
        haemoglobin_g_dl=Decimal("11.5"),
        platelets_10e9_l=Decimal("180"),
        anc_10e9_l=Decimal("2.4"),
        alc_10e9_l=Decimal("0.8"),
        ldh_u_l=Decimal("210"),
        ldh_uln_u_l=Decimal("250"),
        ferritin_ng_ml=Decimal("400"),
        crp_mg_dl=Decimal("0.5"),
        largest_lesion_cm=Decimal("4.0"),
        cns_involvement=False,
        active_infection=False,
        hbv="negative",
        hcv="negative",
        hiv="negative",
        pregnancy="not_applicable",
    )
    values.update(overrides)
    return Screening(**values)


def criterion(result, key):
    matches = [c for c in result.criteria if c.key == key]
    assert len(matches) == 1, [c.key for c in result.criteria]
    return matches[0]


PRODUCT_CASES = [(AXI_CEL, "LBCL"), (LISO_CEL, "LBCL"), (IDE_CEL, "MM")]
PRODUCT_IDS = ["axi-cel", "liso-cel", "ide-cel"]


def test_module_is_pure_python_without_django():
    imported: set[str] = set()
    # rules is a package: every module of it.
    for path in Path(rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "django" not in imported


@pytest.mark.parametrize(("product", "diagnosis"), PRODUCT_CASES, ids=PRODUCT_IDS)
def test_a_fit_patient_is_eligible(product, diagnosis):
    result = evaluate_eligibility(fit(diagnosis), product)
    assert result.overall == rules.ELIGIBLE
    assert {c.status for c in result.criteria} == {MET}
    assert result.indication is not None and result.indication.diagnosis == diagnosis


# (criterion, values that meet it, values that do not) — boundaries on both sides.
THRESHOLD_CASES = [
    ("anc", {"anc_10e9_l": Decimal("1.0")}, {"anc_10e9_l": Decimal("0.99")}, "0.99 < 1"),
    ("alc", {"alc_10e9_l": Decimal("0.1")}, {"alc_10e9_l": Decimal("0.09")}, "0.09 < 0.1"),
    ("platelets", {"platelets_10e9_l": 75}, {"platelets_10e9_l": 74}, "74 < 75"),
    ("crcl", {"crcl_ml_min": 60}, {"crcl_ml_min": Decimal("59.9")}, "59.9 < 60"),
    ("alt", {"alt_u_l": 100, "alt_uln_u_l": 40}, {"alt_u_l": 101, "alt_uln_u_l": 40}, "> 2.5"),
    ("ast", {"ast_u_l": 100, "ast_uln_u_l": 40}, {"ast_u_l": 120, "ast_uln_u_l": 40}, "3.0 >"),
    (
        "bilirubin",
        {"bilirubin_mg_dl": Decimal("1.5")},
        {"bilirubin_mg_dl": Decimal("1.51")},
        "1.51 > 1.5",
    ),
    ("lvef", {"lvef_percent": 50}, {"lvef_percent": 49}, "49 < 50"),
    ("spo2", {"spo2_percent": Decimal("92.1")}, {"spo2_percent": 92}, "92 ≤ 92"),
    ("infection", {"active_infection": False}, {"active_infection": True}, "Present."),
    ("cns", {"cns_involvement": False}, {"cns_involvement": True}, "Present."),
    ("pregnancy", {"pregnancy": "not_pregnant"}, {"pregnancy": "pregnant"}, "Pregnant."),
]
MISSING_CASES = {
    "anc": {"anc_10e9_l": None},
    "alc": {"alc_10e9_l": None},
    "platelets": {"platelets_10e9_l": None},
    "crcl": {"crcl_ml_min": None},
    "alt": {"alt_uln_u_l": None},
    "ast": {"ast_u_l": None},
    "bilirubin": {"bilirubin_mg_dl": None},
    "lvef": {"lvef_percent": None},
    "spo2": {"spo2_percent": None},
    "infection": {"active_infection": None},
    "cns": {"cns_involvement": None},
    "pregnancy": {"pregnancy": None},
    "serology": {"hiv": None},
    "ecog": {"ecog": None},
}


@pytest.mark.parametrize(("product", "diagnosis"), PRODUCT_CASES, ids=PRODUCT_IDS)
@pytest.mark.parametrize(
    ("key", "met", "not_met", "reason"), THRESHOLD_CASES, ids=[c[0] for c in THRESHOLD_CASES]
)
def test_each_threshold_met_and_not_met(product, diagnosis, key, met, not_met, reason):
    good = evaluate_eligibility(fit(diagnosis, **met), product)
    assert criterion(good, key).status == MET
    assert good.overall == rules.ELIGIBLE

    bad = evaluate_eligibility(fit(diagnosis, **not_met), product)
    assert criterion(bad, key).status == NOT_MET
    assert reason in criterion(bad, key).reason
    assert bad.overall == rules.NOT_ELIGIBLE
    assert [c.key for c in bad.not_met] == [key]


@pytest.mark.parametrize(("product", "diagnosis"), PRODUCT_CASES, ids=PRODUCT_IDS)
@pytest.mark.parametrize("key", sorted(MISSING_CASES))
def test_each_criterion_missing_makes_the_screening_incomplete(product, diagnosis, key):
    result = evaluate_eligibility(fit(diagnosis, **MISSING_CASES[key]), product)
    assert criterion(result, key).status == MISSING
    assert result.overall == rules.INCOMPLETE
    assert [c.key for c in result.missing] == [key]


@pytest.mark.parametrize(
    ("product", "diagnosis", "allowed", "refused"),
    [(AXI_CEL, "LBCL", 1, 2), (LISO_CEL, "LBCL", 2, 3), (IDE_CEL, "MM", 1, 2)],
    ids=PRODUCT_IDS,
)
def test_ecog_limit_follows_the_indication(product, diagnosis, allowed, refused):
    assert (
        criterion(evaluate_eligibility(fit(diagnosis, ecog=allowed), product), "ecog").status == MET
    )
    bad = evaluate_eligibility(fit(diagnosis, ecog=refused), product)
    assert criterion(bad, "ecog").status == NOT_MET
    assert criterion(bad, "ecog").reason == f"{refused} > {allowed}"


def test_a_positive_serology_is_screened_but_named():
    result = evaluate_eligibility(fit(hbv="positive"), AXI_CEL)
    assert criterion(result, "serology").status == MET
    assert "HBV" in criterion(result, "serology").reason
    assert result.overall == rules.ELIGIBLE


def test_not_met_outweighs_missing():
    result = evaluate_eligibility(fit(anc_10e9_l=Decimal("0.5"), lvef_percent=None), AXI_CEL)
    assert result.overall == rules.NOT_ELIGIBLE
    assert [c.key for c in result.not_met] == ["anc"]
    assert [c.key for c in result.missing] == ["lvef"]


def test_thresholds_are_data_that_can_be_changed():
    # Real-world practice accepts creatinine clearance ≥ 30 (clinical reference §5).
    screening = fit(crcl_ml_min=45)
    assert evaluate_eligibility(screening, AXI_CEL).overall == rules.NOT_ELIGIBLE
    relaxed = rules.merge_thresholds({"crcl_min": 30})
    assert evaluate_eligibility(screening, AXI_CEL, relaxed).overall == rules.ELIGIBLE
    with pytest.raises(ValueError, match="unknown threshold"):
        rules.merge_thresholds({"crcl_minimum": 30})
    incomplete = dict(rules.DEFAULT_THRESHOLDS)
    del incomplete["anc_min"]
    with pytest.raises(ValueError, match="anc_min"):
        evaluate_eligibility(screening, AXI_CEL, incomplete)


def test_every_threshold_cites_its_source():
    for threshold in rules.DEFAULT_THRESHOLDS.values():
        assert "Clinical reference §5" in threshold.source
        assert threshold.description
    # CAR-HEMATOTOX cut-offs are UNVERIFIED in the clinical reference.
    assert not rules.DEFAULT_THRESHOLDS["hematotox_anc_below"].verified


# --- Indication -----------------------------------------------------------------------------


class TestDiagnosis:
    @pytest.mark.parametrize(
        ("product", "diagnosis"),
        [(AXI_CEL, "MM"), (LISO_CEL, "MM"), (IDE_CEL, "LBCL")],
        ids=PRODUCT_IDS,
    )
    def test_not_indicated(self, product, diagnosis):
        result = evaluate_eligibility(fit(diagnosis), product)
        assert criterion(result, "diagnosis").status == NOT_MET
        assert f"not indicated for {diagnosis}" in criterion(result, "diagnosis").reason
        assert result.overall == rules.NOT_ELIGIBLE
        assert result.indication is None

    @pytest.mark.parametrize(("product", "diagnosis"), PRODUCT_CASES, ids=PRODUCT_IDS)
    def test_missing(self, product, diagnosis):
        result = evaluate_eligibility(replace(fit(diagnosis), diagnosis=None), product)
        assert criterion(result, "diagnosis").status == MISSING
        assert result.overall == rules.INCOMPLETE


class TestPriorLines:
    @pytest.mark.parametrize(("product", "diagnosis"), PRODUCT_CASES, ids=PRODUCT_IDS)
    def test_missing_when_no_line_is_recorded(self, product, diagnosis):
        result = evaluate_eligibility(fit(diagnosis, prior_lines=()), product)
        assert criterion(result, "prior_lines").status == MISSING
        assert result.overall == rules.INCOMPLETE

    def test_ide_cel_needs_two_lines(self):
        one_line = (replace(MYELOMA_LINES[1], line_number=1),)
        result = evaluate_eligibility(fit("MM", prior_lines=one_line), IDE_CEL)
        assert criterion(result, "prior_lines").status == NOT_MET
        assert criterion(result, "prior_lines").reason == "1 < 2"

    def test_cilta_cel_after_one_line(self):
        one_line = (
            PriorLine(
                1,
                date(2024, 1, 1),
                date(2025, 1, 1),
                "PR",
                date(2025, 9, 1),
                ("imid", "proteasome_inhibitor"),
            ),
        )
        result = evaluate_eligibility(fit("MM", prior_lines=one_line), CILTA_CEL)
        assert result.overall == rules.ELIGIBLE
        assert criterion(result, "prior_lines").reason == "1 ≥ 1"

    def test_axi_cel_fl_needs_two_lines(self):
        one_line = (LYMPHOMA_LINES[0],)
        result = evaluate_eligibility(fit("FL", prior_lines=one_line), AXI_CEL)
        assert criterion(result, "prior_lines").status == NOT_MET
        assert evaluate_eligibility(fit("FL"), AXI_CEL).overall == rules.ELIGIBLE


class TestSecondLineEarlyRelapse:
    """Axi-cel and liso-cel in second line: refractory, or relapse ≤ 12 months after."""

    def _one_line(self, **changes):
        return (replace(LYMPHOMA_LINES[0], **changes),)

    @pytest.mark.parametrize("product", [AXI_CEL, LISO_CEL], ids=["axi-cel", "liso-cel"])
    def test_refractory_first_line_is_met(self, product):
        lines = self._one_line(best_response="PD", progression_date=None)
        result = evaluate_eligibility(fit(prior_lines=lines), product)
        assert criterion(result, "first_line_outcome").status == MET
        assert criterion(result, "first_line_outcome").code == "first_line_refractory"
        assert result.overall == rules.ELIGIBLE

    @pytest.mark.parametrize(
        ("relapse", "status"),
        [(date(2025, 6, 1), MET), (date(2025, 6, 2), NOT_MET), (date(2024, 9, 1), MET)],
        ids=["exactly-12-months", "12-months-and-a-day", "3-months"],
    )
    def test_relapse_within_twelve_months_of_the_end(self, relapse, status):
        lines = self._one_line(end_date=date(2024, 6, 1), progression_date=relapse)
        result = evaluate_eligibility(fit(prior_lines=lines, transplant_candidate=True), AXI_CEL)
        assert criterion(result, "first_line_outcome").status == status
        assert result.overall == (rules.ELIGIBLE if status == MET else rules.NOT_ELIGIBLE)

    def test_response_without_relapse_date_is_missing(self):
        lines = self._one_line(best_response="CR", progression_date=None)
        result = evaluate_eligibility(fit(prior_lines=lines), AXI_CEL)
        assert criterion(result, "first_line_outcome").status == MISSING
        assert criterion(result, "first_line_outcome").code == "first_line_dates_missing"

    def test_unknown_response_is_missing(self):
        lines = self._one_line(best_response=None, progression_date=None)
        result = evaluate_eligibility(fit(prior_lines=lines), AXI_CEL)
        assert criterion(result, "first_line_outcome").code == "first_line_response_missing"
        assert result.overall == rules.INCOMPLETE

    def test_two_lines_qualify_through_the_third_line_indication(self):
        result = evaluate_eligibility(fit(), AXI_CEL)
        assert result.indication.description == "LBCL after ≥ 2 lines of systemic therapy"
        assert "first_line_outcome" not in [c.key for c in result.criteria]


class TestTransplantRule:
    PILOT = Product(
        "liso-cel",
        "liso-cel",
        (
            Indication(
                "LBCL", "2L not a candidate", 1, post_transplant_rule="not_candidate", ecog_max=2
            ),
        ),
    )
    FAILED = Product(
        "x",
        "x",
        (
            Indication(
                "LBCL",
                "after transplant failure or ineligible",
                1,
                post_transplant_rule="failed_or_not_candidate",
            ),
        ),
    )

    def test_liso_cel_second_line_for_a_non_candidate(self):
        late = (replace(LYMPHOMA_LINES[0], progression_date=date(2026, 1, 1)),)
        result = evaluate_eligibility(fit(prior_lines=late, transplant_candidate=False), LISO_CEL)
        assert result.overall == rules.ELIGIBLE
        assert result.indication.description == "LBCL second line, not a transplant candidate"
        assert criterion(result, "transplant").status == MET

    @pytest.mark.parametrize(
        ("candidate", "status"), [(False, MET), (True, NOT_MET), (None, MISSING)]
    )
    def test_not_candidate_rule(self, candidate, status):
        result = evaluate_eligibility(fit(transplant_candidate=candidate), self.PILOT)
        assert criterion(result, "transplant").status == status

    @pytest.mark.parametrize(
        ("prior", "outcome", "candidate", "status"),
        [
            (True, "relapsed", True, MET),
            (True, "refractory", None, MET),
            (False, None, False, MET),
            (True, "response", True, NOT_MET),
            (False, None, True, NOT_MET),
            (None, None, None, MISSING),
            (True, None, None, MISSING),
        ],
    )
    def test_failed_or_not_candidate_rule(self, prior, outcome, candidate, status):
        screening = fit(
            prior_autologous_transplant=prior,
            transplant_outcome=outcome,
            transplant_candidate=candidate,
        )
        assert (
            criterion(evaluate_eligibility(screening, self.FAILED), "transplant").status == status
        )


class TestAge:
    def test_tisa_cel_all_up_to_twenty_five(self):
        lines = (PriorLine(1, date(2025, 1, 1), date(2025, 5, 1), "CR", date(2026, 1, 1)),)
        aged_25 = fit("B-ALL", prior_lines=lines, date_of_birth=date(2001, 6, 15))
        aged_26 = fit("B-ALL", prior_lines=lines, date_of_birth=date(2000, 6, 15))
        assert criterion(evaluate_eligibility(aged_25, TISA_CEL), "age").status == MET
        result = evaluate_eligibility(aged_26, TISA_CEL)
        assert criterion(result, "age").status == NOT_MET
        assert criterion(result, "age").reason == "26 > 25"

    def test_brexu_cel_adults_only(self):
        lines = (PriorLine(1, date(2025, 1, 1), date(2025, 5, 1), "PD"),)
        minor = fit("MCL", prior_lines=lines, date_of_birth=date(2008, 6, 16))
        result = evaluate_eligibility(minor, BREXU_CEL)
        assert criterion(result, "age").reason == "17 < 18"
        adult = fit("MCL", prior_lines=lines, date_of_birth=date(2008, 6, 15))
        assert evaluate_eligibility(adult, BREXU_CEL).overall == rules.ELIGIBLE


class TestMyelomaExposure:
    def test_ide_cel_needs_imid_pi_and_anti_cd38(self):
        assert (
            criterion(evaluate_eligibility(fit("MM"), IDE_CEL), "prior_drug_classes").status == MET
        )
        no_cd38 = tuple(replace(line, drug_classes=("imid",)) for line in MYELOMA_LINES)
        result = evaluate_eligibility(fit("MM", prior_lines=no_cd38), IDE_CEL)
        check = criterion(result, "prior_drug_classes")
        assert check.status == NOT_MET
        assert check.params["classes"] == ("proteasome_inhibitor", "anti_cd38")
        missing = evaluate_eligibility(fit("MM", prior_lines=()), IDE_CEL)
        assert criterion(missing, "prior_drug_classes").status == MISSING

    def test_liso_cel_cll_needs_btk_and_bcl2_inhibitors(self):
        lines = (
            PriorLine(
                1, date(2022, 1, 1), date(2024, 1, 1), "PR", date(2024, 6, 1), ("btk_inhibitor",)
            ),
            PriorLine(
                2,
                date(2024, 7, 1),
                date(2025, 7, 1),
                "PR",
                date(2026, 1, 1),
                ("bcl2_inhibitor", "anti_cd20"),
            ),
        )
        assert evaluate_eligibility(fit("CLL/SLL", prior_lines=lines), LISO_CEL).overall == (
            rules.ELIGIBLE
        )
        result = evaluate_eligibility(fit("CLL/SLL", prior_lines=lines[:1]), LISO_CEL)
        assert {c.key for c in result.not_met} == {"prior_lines", "prior_drug_classes"}

    @pytest.mark.parametrize(
        ("refractory", "status", "overall"),
        [
            (True, MET, rules.ELIGIBLE),
            (False, NOT_MET, rules.NOT_ELIGIBLE),
            (None, MISSING, rules.INCOMPLETE),
        ],
    )
    def test_cilta_cel_lenalidomide_refractory(self, refractory, status, overall):
        result = evaluate_eligibility(fit("MM", lenalidomide_refractory=refractory), CILTA_CEL)
        assert criterion(result, "lenalidomide_refractory").status == status
        assert result.overall == overall


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ecog": 7}, "ecog must be between 0 and 4"),
        ({"ecog": -1}, "ecog must be between 0 and 4"),
        ({"ecog": 1.5}, "ecog must be a whole number"),
        ({"platelets_10e9_l": -5}, "platelets_10e9_l cannot be negative"),
        ({"anc_10e9_l": Decimal("-0.1")}, "anc_10e9_l cannot be negative"),
        ({"alt_uln_u_l": 0}, "alt_uln_u_l must be above zero"),
        ({"spo2_percent": 101}, "spo2_percent must be between 0 and 100"),
        ({"date_of_birth": date(2026, 6, 16)}, "date_of_birth is after the assessment date"),
        ({"hbv": "maybe"}, "hbv must be one of"),
        ({"diagnosis": "AML"}, "diagnosis must be one of"),
        ({"anc_10e9_l": "lots"}, "anc_10e9_l must be a number"),
        ({"assessed_on": "2026-06-15"}, "assessed_on must be a date"),
    ],
)
def test_bad_input_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        evaluate_eligibility(fit(**changes), AXI_CEL)


def test_future_and_inverted_line_dates_are_refused():
    future = (replace(LYMPHOMA_LINES[0], end_date=date(2026, 7, 1)),)
    with pytest.raises(ValueError, match="end_date is in the future"):
        evaluate_eligibility(fit(prior_lines=future), AXI_CEL)
    inverted = (replace(LYMPHOMA_LINES[0], end_date=date(2023, 1, 1)),)
    with pytest.raises(ValueError, match="end_date is before start_date"):
        evaluate_eligibility(fit(prior_lines=inverted), AXI_CEL)
    twice = (LYMPHOMA_LINES[0], LYMPHOMA_LINES[0])
    with pytest.raises(ValueError, match="each line number may appear once"):
        evaluate_eligibility(fit(prior_lines=twice), AXI_CEL)


# --- Poor-outcome signals -------------------------------------------------------------------


def signals(screening):
    return {s.key: s for s in rules.outcome_risks(screening).signals}


def test_a_fit_patient_shows_no_poor_outcome_signal():
    assert {k: s.present for k, s in signals(fit()).items()} == {
        "bulky_disease": False,
        "ldh_above_normal": False,
        "poor_performance": False,
        "low_haemoglobin": False,
        "low_platelets": False,
        "many_prior_lines": False,
    }


@pytest.mark.parametrize(
    ("key", "present", "absent", "missing"),
    [
        (
            "bulky_disease",
            {"largest_lesion_cm": 10},
            {"largest_lesion_cm": Decimal("9.9")},
            {"largest_lesion_cm": None},
        ),
        ("ldh_above_normal", {"ldh_u_l": 251}, {"ldh_u_l": 250}, {"ldh_uln_u_l": None}),
        ("poor_performance", {"ecog": 2}, {"ecog": 1}, {"ecog": None}),
        (
            "low_haemoglobin",
            {"haemoglobin_g_dl": Decimal("9.9")},
            {"haemoglobin_g_dl": 10},
            {"haemoglobin_g_dl": None},
        ),
        (
            "low_platelets",
            {"platelets_10e9_l": 99},
            {"platelets_10e9_l": 100},
            {"platelets_10e9_l": None},
        ),
        (
            "many_prior_lines",
            {"prior_lines": LYMPHOMA_LINES + (PriorLine(3, date(2026, 3, 5)),)},
            {"prior_lines": LYMPHOMA_LINES},
            {"prior_lines": ()},
        ),
    ],
)
def test_each_signal_present_absent_and_missing(key, present, absent, missing):
    assert signals(fit(**present))[key].present is True
    assert signals(fit(**absent))[key].present is False
    assert signals(fit(**missing))[key].present is None


# --- CAR-HEMATOTOX --------------------------------------------------------------------------


class TestHematotox:
    def test_worked_example_all_normal_scores_zero(self):
        result = hematotox_score(
            anc_10e9_l=2.5,
            haemoglobin_g_dl=12.0,
            platelets_10e9_l=200,
            crp_mg_dl=0.5,
            ferritin_ng_ml=300,
        )
        assert (result.score, result.group) == (0, rules.LOW)

    def test_worked_example_every_point_scores_seven(self):
        # ANC 1.0 (1) + Hb 8.5 (1) + platelets 60 (2) + CRP 4.0 (1) + ferritin 2500 (2) = 7.
        result = hematotox_score(
            anc_10e9_l=1.0,
            haemoglobin_g_dl=8.5,
            platelets_10e9_l=60,
            crp_mg_dl=4.0,
            ferritin_ng_ml=2500,
        )
        assert [c.points for c in result.components] == [1, 1, 2, 1, 2]
        assert (result.score, result.group) == (7, rules.HIGH)

    def test_worked_example_one_point_is_low_risk(self):
        # Platelets 150 (1); the rest normal.
        result = hematotox_score(
            anc_10e9_l=3.1,
            haemoglobin_g_dl=10.2,
            platelets_10e9_l=150,
            crp_mg_dl=1.2,
            ferritin_ng_ml=500,
        )
        assert (result.score, result.group) == (1, rules.LOW)

    def test_worked_example_two_points_is_high_risk(self):
        # Ferritin 800 (1) + CRP 3.5 (1).
        result = hematotox_score(
            anc_10e9_l=1.8,
            haemoglobin_g_dl=11.0,
            platelets_10e9_l=210,
            crp_mg_dl=3.5,
            ferritin_ng_ml=800,
        )
        assert (result.score, result.group) == (2, rules.HIGH)

    @pytest.mark.parametrize(
        ("key", "value", "points"),
        [
            ("anc_10e9_l", "1.2", 0),
            ("anc_10e9_l", "1.19", 1),
            ("haemoglobin_g_dl", "9.0", 0),
            ("haemoglobin_g_dl", "8.9", 1),
            ("platelets_10e9_l", "175.1", 0),
            ("platelets_10e9_l", "175", 1),
            ("platelets_10e9_l", "75", 1),
            ("platelets_10e9_l", "74.9", 2),
            ("crp_mg_dl", "2.99", 0),
            ("crp_mg_dl", "3.0", 1),
            ("ferritin_ng_ml", "649", 0),
            ("ferritin_ng_ml", "650", 1),
            ("ferritin_ng_ml", "2000", 1),
            ("ferritin_ng_ml", "2000.1", 2),
        ],
    )
    def test_cut_offs(self, key, value, points):
        normal = {
            "anc_10e9_l": 3,
            "haemoglobin_g_dl": 12,
            "platelets_10e9_l": 250,
            "crp_mg_dl": 0.2,
            "ferritin_ng_ml": 100,
        }
        normal[key] = Decimal(value)
        assert hematotox_score(**normal).score == points

    def test_missing_inputs_leave_no_score_unless_already_high(self):
        partial = hematotox_score(anc_10e9_l=0.9, haemoglobin_g_dl=12)
        assert partial.score is None and partial.group is None
        assert partial.points_counted == 1
        assert partial.missing == ("platelets", "crp", "ferritin")
        already_high = hematotox_score(platelets_10e9_l=50)
        assert already_high.score is None and already_high.group == rules.HIGH

    def test_cut_off_is_editable(self):
        table = rules.merge_thresholds({"hematotox_high_risk_min": 3})
        result = hematotox_score(
            anc_10e9_l=1.0,
            haemoglobin_g_dl=8.0,
            platelets_10e9_l=200,
            crp_mg_dl=0.1,
            ferritin_ng_ml=100,
            thresholds=table,
        )
        assert (result.score, result.group) == (2, rules.LOW)

    def test_negative_count_is_refused(self):
        with pytest.raises(ValueError, match="platelets cannot be negative"):
            hematotox_score(platelets_10e9_l=-1)

    def test_the_risk_panel_scores_the_screening_labs(self):
        panel = rules.outcome_risks(fit(anc_10e9_l=Decimal("1.1"), crp_mg_dl=Decimal("3.2")))
        assert (panel.hematotox.score, panel.hematotox.group) == (2, rules.HIGH)


# --- Washout --------------------------------------------------------------------------------


def test_washout_dates_per_therapy_class():
    therapies = [
        rules.WashoutTherapy("systemic_steroid", date(2026, 6, 1), "dexamethasone 20 mg"),
        rules.WashoutTherapy("chemotherapy", date(2026, 5, 20)),
        rules.WashoutTherapy("anti_cd38", date(2026, 5, 1)),
        rules.WashoutTherapy("other", date(2026, 6, 10)),
    ]
    checks = rules.washout_checks(therapies, on=date(2026, 6, 8))
    assert [(c.min_days, c.clear_on, c.clear) for c in checks] == [
        (7, date(2026, 6, 8), True),
        (14, date(2026, 6, 3), True),
        (42, date(2026, 6, 12), False),
        (None, None, None),
    ]
    assert rules.earliest_apheresis_date(checks) == date(2026, 6, 12)
    assert rules.earliest_apheresis_date(checks[3:]) is None
    with pytest.raises(ValueError, match="therapy_class"):
        rules.washout_checks([rules.WashoutTherapy("radiotherapy", TODAY)], on=TODAY)


def test_add_months_keeps_the_end_of_month():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2024, 6, 1), 12) == date(2025, 6, 1)
    assert rules.add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
