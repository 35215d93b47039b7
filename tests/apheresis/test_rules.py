"""The pure rules: pre-collection checks, COI check digit, custody order, vein-to-vein time."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apheresis import rules
from apheresis.rules import CustodyStep, LoggedEvent, Therapy

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 6, 15)


def checks(**values):
    base = {
        "collection_date": DAY,
        "alc_10e9_l": "0.8",
        "cd3_cells_per_ul": 400,
        "counts_drawn_on": DAY - timedelta(days=1),
        "venous_access": rules.ACCESS_PERIPHERAL_ADEQUATE,
    }
    base.update(values)
    return {c.code: c for c in rules.pre_collection_checks(**base)}


class TestThresholdTable:
    def test_every_threshold_cites_its_source(self):
        for threshold in rules.PRE_COLLECTION_THRESHOLDS.values():
            assert threshold.source and threshold.unit
        assert rules.PRE_COLLECTION_THRESHOLDS["alc_min_10e9_l"].value == Decimal("0.1")
        # The washout days are the catalogue's one table, the same screening reads.
        assert "§5" in rules.PRE_COLLECTION_DEFAULTS["washout_anti_cd38_days"].source
        # Not in the clinical reference: shipped as a default to review.
        assert rules.PRE_COLLECTION_THRESHOLDS["cd3_min_cells_per_ul"].verified is False


class TestCounts:
    def test_fit_patient_passes_every_check(self):
        result = checks()
        assert [c.code for c in result.values()] == ["alc", "cd3", "counts_recent", "venous_access"]
        assert all(c.passed for c in result.values())

    @pytest.mark.parametrize(
        ("alc", "passed"), [("0.1", True), ("0.09", False), ("0.10", True), (None, False)]
    )
    def test_alc_threshold_is_inclusive(self, alc, passed):
        assert checks(alc_10e9_l=alc)["alc"].passed is passed

    @pytest.mark.parametrize(("cd3", "passed"), [(150, True), (149, False), (None, False)])
    def test_cd3_threshold(self, cd3, passed):
        assert checks(cd3_cells_per_ul=cd3)["cd3"].passed is passed

    def test_observed_value_identifies_the_measurement(self):
        assert checks(alc_10e9_l="0.050")["alc"].observed == "0.05"
        assert checks(alc_10e9_l=None)["alc"].observed == ""

    @pytest.mark.parametrize(
        ("age_days", "passed"), [(0, True), (7, True), (8, False), (-1, False)]
    )
    def test_counts_must_be_recent_and_not_after_collection(self, age_days, passed):
        drawn = DAY - timedelta(days=age_days)
        assert checks(counts_drawn_on=drawn)["counts_recent"].passed is passed

    @pytest.mark.parametrize(
        ("access", "passed"),
        [
            (rules.ACCESS_PERIPHERAL_ADEQUATE, True),
            (rules.ACCESS_CENTRAL_LINE_IN_PLACE, True),
            (rules.ACCESS_CENTRAL_LINE_NEEDED, False),
            (rules.ACCESS_NOT_ASSESSED, False),
        ],
    )
    def test_venous_access(self, access, passed):
        assert checks(venous_access=access)["venous_access"].passed is passed

    def test_bad_values_are_refused(self):
        with pytest.raises(ValueError, match="alc_10e9_l"):
            checks(alc_10e9_l="-1")
        with pytest.raises(ValueError, match="venous_access"):
            checks(venous_access="arm")
        with pytest.raises(ValueError, match="calendar date"):
            checks(collection_date=datetime(2026, 6, 15, tzinfo=UTC))


class TestWashout:
    @pytest.mark.parametrize(
        ("therapy_class", "days_ago", "passed"),
        [
            ("systemic_steroid", 7, True),
            ("systemic_steroid", 6, False),
            ("chemotherapy", 14, True),
            ("chemotherapy", 13, False),
            ("anti_cd38", 42, True),
            ("anti_cd38", 41, False),
            ("alemtuzumab", 41, False),
        ],
    )
    def test_each_class_has_its_washout(self, therapy_class, days_ago, passed):
        therapy = Therapy(therapy_class, DAY - timedelta(days=days_ago))
        check = checks(therapies=[therapy])[f"washout_{therapy_class}"]
        assert check.passed is passed
        assert check.params["days_since"] == str(days_ago)

    def test_the_latest_dose_of_a_class_counts(self):
        therapies = [
            Therapy("chemotherapy", DAY - timedelta(days=60)),
            Therapy("chemotherapy", DAY - timedelta(days=10)),
        ]
        check = checks(therapies=therapies)["washout_chemotherapy"]
        assert not check.passed
        assert check.params["clear_on"] == "2026-06-19"
        assert check.observed == "chemotherapy:2026-06-05"

    def test_other_therapy_has_no_default_and_needs_a_clinician(self):
        check = checks(therapies=[Therapy("other", DAY - timedelta(days=300))])["washout_other"]
        assert check.passed is False and check.params["min_days"] == ""

    def test_unknown_class_is_refused(self):
        with pytest.raises(ValueError, match="therapy_class"):
            checks(therapies=[Therapy("radiotherapy", DAY)])


class TestBlocking:
    def test_override_covers_only_its_observation(self):
        result = rules.pre_collection_checks(
            collection_date=DAY,
            alc_10e9_l="0.05",
            cd3_cells_per_ul=100,
            counts_drawn_on=DAY,
            venous_access=rules.ACCESS_PERIPHERAL_ADEQUATE,
        )
        blocking = rules.blocking_checks(result, [("alc", "0.05")])
        assert [c.code for c in blocking] == ["cd3"]
        # An override given for an older count does not cover a new, different one.
        blocking = rules.blocking_checks(result, [("alc", "0.07"), ("cd3", "100")])
        assert [c.code for c in blocking] == ["alc"]


class TestChainOfIdentity:
    def test_format_and_check_digit(self):
        coi = rules.coi_make(year=2026, serial=123)
        assert coi.startswith("COI-2026-000123-")
        assert rules.coi_is_valid(coi)
        assert rules.damm_check_digit("572") == "4"  # Damm's published example

    def test_every_single_digit_error_and_adjacent_swap_is_caught(self):
        coi = rules.coi_make(year=2026, serial=123)
        digits = coi.replace("COI-", "").replace("-", "")
        body, check = digits[:-1], digits[-1]
        for i in range(len(body)):
            for d in "0123456789":
                if d != body[i]:
                    wrong = body[:i] + d + body[i + 1 :]
                    assert rules.damm_check_digit(wrong) != check
            if i + 1 < len(body) and body[i] != body[i + 1]:
                swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
                assert rules.damm_check_digit(swapped) != check

    def test_compare(self):
        mine = rules.coi_make(year=2026, serial=123)
        theirs = rules.coi_make(year=2026, serial=124)
        typo = mine[:-1] + str((int(mine[-1]) + 1) % 10)
        assert rules.coi_compare(scanned=f"  {mine.lower()}\n", expected=mine) == rules.SCAN_MATCH
        assert rules.coi_compare(scanned=theirs, expected=mine) == rules.SCAN_OTHER_PATIENT
        assert rules.coi_compare(scanned=typo, expected=mine) == rules.SCAN_CHECK_DIGIT
        assert rules.coi_compare(scanned="CQ7A0001", expected=mine) == rules.SCAN_MALFORMED
        assert rules.coi_compare(scanned="   ", expected=mine) == rules.SCAN_EMPTY

    def test_full_width_scan_through_a_chinese_ime_matches(self):
        """Issue 17: a keyboard-wedge scan typed through a Chinese IME in full-width mode
        (ＣＯＩ－２０２６…) is read as the same code (Unicode NFKC)."""
        mine = rules.coi_make(year=2026, serial=123)
        full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in mine)  # ASCII → full-width forms
        assert full_width.startswith("ＣＯＩ－２０２６")
        assert rules.coi_compare(scanned=full_width + "\r", expected=mine) == rules.SCAN_MATCH
        theirs = rules.coi_make(year=2026, serial=124)
        other = "".join(chr(ord(ch) + 0xFEE0) for ch in theirs)
        assert rules.coi_compare(scanned=other, expected=mine) == rules.SCAN_OTHER_PATIENT


def t(day: int, hour: int, zone=SHANGHAI) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=zone)


NOW = t(30, 12)


def chain(*kinds_and_days):
    return [CustodyStep(kind, t(day, 10)) for kind, day in kinds_and_days]


class TestCustodyOrder:
    def test_the_next_step_in_order_is_allowed(self):
        result = rules.check_custody_next(
            chain=chain(("collected", 1)), kind="packed", occurred_at=t(1, 11), now=NOW
        )
        assert result.allowed and result.code == "ok"

    def test_thawed_before_received_at_site_is_refused(self):
        result = rules.check_custody_next(
            chain=chain(("collected", 1), ("packed", 1), ("handed_to_courier", 1)),
            kind="thawed",
            occurred_at=t(2, 10),
            now=NOW,
        )
        assert (result.allowed, result.code, result.other_kind) == (
            False,
            "missing_previous",
            "received_at_site",
        )

    def test_storage_may_be_skipped_but_not_recorded_after_thawing(self):
        steps = [
            "collected",
            "packed",
            "handed_to_courier",
            "received_by_manufacturer",
            "manufacturing_started",
            "released",
            "shipped",
            "received_at_site",
        ]
        done = chain(*[(k, 1 + i) for i, k in enumerate(steps)])
        thawed = rules.check_custody_next(chain=done, kind="thawed", occurred_at=t(20, 9), now=NOW)
        assert thawed.allowed
        done.append(CustodyStep("thawed", t(20, 9)))
        stored = rules.check_custody_next(chain=done, kind="stored", occurred_at=t(21, 9), now=NOW)
        assert (stored.allowed, stored.code, stored.other_kind) == (False, "after_later", "thawed")

    def test_duplicate_and_time_travel_are_refused(self):
        done = chain(("collected", 5))
        assert rules.check_custody_next(
            chain=done, kind="collected", occurred_at=t(6, 1), now=NOW
        ).code == ("duplicate")
        assert (
            rules.check_custody_next(chain=done, kind="packed", occurred_at=t(4, 1), now=NOW).code
            == "before_previous"
        )
        assert (
            rules.check_custody_next(
                chain=done, kind="packed", occurred_at=NOW + timedelta(hours=1), now=NOW
            ).code
            == "future"
        )

    def test_times_compare_as_instants_whatever_the_zone(self):
        # 10:00 in Shanghai is 04:00 in Berlin (summer): 05:00 Berlin is later, not earlier.
        done = [CustodyStep("collected", datetime(2026, 6, 5, 10, tzinfo=SHANGHAI))]
        result = rules.check_custody_next(
            chain=done, kind="packed", occurred_at=datetime(2026, 6, 5, 5, tzinfo=BERLIN), now=NOW
        )
        assert result.allowed

    def test_naive_times_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            rules.check_custody_next(
                chain=[], kind="collected", occurred_at=datetime(2026, 6, 1, 9), now=NOW
            )

    def test_correction_must_stay_between_neighbours_and_only_the_last_can_be_voided(self):
        done = chain(("collected", 1), ("packed", 2), ("handed_to_courier", 3))
        others = [s for s in done if s.kind != "packed"]
        ok = rules.check_custody_correction(
            chain=others, kind="packed", occurred_at=t(2, 15), now=NOW
        )
        assert ok.allowed
        late = rules.check_custody_correction(
            chain=others, kind="packed", occurred_at=t(4, 1), now=NOW
        )
        assert (late.code, late.other_kind) == ("after_next", "handed_to_courier")
        void = rules.check_custody_correction(
            chain=others, kind="packed", occurred_at=t(2, 10), now=NOW, void=True
        )
        assert void.code == "not_last"

    def test_effective_chain_applies_corrections_and_voids(self):
        events = [
            LoggedEvent(1, "collected", t(1, 10)),
            LoggedEvent(2, "packed", t(1, 12)),
            LoggedEvent(3, "packed", t(1, 11), corrects=2),
            LoggedEvent(4, "handed_to_courier", t(1, 13)),
            LoggedEvent(5, "handed_to_courier", t(1, 13), corrects=4, void=True),
        ]
        result = rules.effective_chain(events)
        assert [(e.id, e.kind, e.occurred_at) for e in result] == [
            (1, "collected", t(1, 10)),
            (2, "packed", t(1, 11)),
        ]


class TestVeinToVein:
    def test_across_the_spring_dst_change_in_berlin(self):
        # Clocks go forward at 02:00 on 29 March 2026: 10:00 to 10:00 next day is 23 hours.
        collected = datetime(2026, 3, 28, 10, tzinfo=BERLIN)
        infused = datetime(2026, 3, 29, 10, tzinfo=BERLIN)
        result = rules.vein_to_vein(collected_at=collected, infused_at=infused, tz=BERLIN)
        assert result.elapsed == timedelta(hours=23)
        assert result.calendar_days == 1
        assert result.basis == rules.V2V_INFUSED
        # The trap this avoids: Python subtracts same-zone datetimes on the wall clock.
        assert infused - collected == timedelta(hours=24)

    def test_across_the_autumn_dst_change_in_new_york(self):
        # Clocks go back at 02:00 on 1 November 2026: that day has 25 hours.
        collected = datetime(2026, 10, 14, 9, tzinfo=NEW_YORK)
        infused = datetime(2026, 11, 1, 9, tzinfo=NEW_YORK)
        result = rules.vein_to_vein(collected_at=collected, infused_at=infused, tz=NEW_YORK)
        assert result.elapsed == timedelta(days=18, hours=1)
        assert result.calendar_days == 18

    def test_collection_and_infusion_in_different_zones(self):
        # Collected in New York at 20:00 on 1 June (02:00 2 June in Berlin), infused in Berlin.
        collected = datetime(2026, 6, 1, 20, tzinfo=NEW_YORK)
        infused = datetime(2026, 6, 19, 8, tzinfo=BERLIN)
        result = rules.vein_to_vein(collected_at=collected, infused_at=infused, tz=BERLIN)
        assert result.elapsed == timedelta(days=17, hours=6)
        assert result.calendar_days == 17  # 2 June to 19 June on Berlin's calendar
        in_new_york = rules.vein_to_vein(collected_at=collected, infused_at=infused, tz=NEW_YORK)
        assert in_new_york.calendar_days == 18  # 1 June to 19 June on New York's

    def test_before_infusion_counts_to_now_and_to_the_planned_day0(self):
        collected = datetime(2026, 3, 20, 15, tzinfo=BERLIN)
        now = datetime(2026, 3, 30, 15, tzinfo=BERLIN)
        result = rules.vein_to_vein(
            collected_at=collected, now=now, planned_day0=date(2026, 4, 8), tz=BERLIN
        )
        assert result.basis == rules.V2V_SO_FAR
        assert result.elapsed == timedelta(days=10) - timedelta(hours=1)
        assert (result.calendar_days, result.planned_days) == (10, 19)

    def test_only_the_infusion_date_known(self):
        result = rules.vein_to_vein(
            collected_at=datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI),
            infusion_date=date(2026, 6, 19),
            tz=SHANGHAI,
        )
        assert (result.elapsed, result.calendar_days) == (None, 18)

    def test_bad_inputs(self):
        with pytest.raises(ValueError, match="aware"):
            rules.vein_to_vein(collected_at=datetime(2026, 6, 1), now=NOW, tz=SHANGHAI)
        with pytest.raises(ValueError, match="before the collection"):
            rules.vein_to_vein(collected_at=NOW, infused_at=NOW - timedelta(days=1), tz=SHANGHAI)


class TestDosePerKg:
    def test_dose_per_kg(self):
        assert rules.dose_per_kg_10e6(total_cells_10e6="140", weight_kg="70.0") == Decimal("2.000")
        assert rules.dose_per_kg_10e6(total_cells_10e6="100", weight_kg="82.5") == Decimal("1.212")
        with pytest.raises(ValueError):
            rules.dose_per_kg_10e6(total_cells_10e6="100", weight_kg="0")
