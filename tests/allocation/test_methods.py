"""The three ways of dividing, against amounts computed by hand."""

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from grants.allocation import methods
from grants.allocation.methods import Candidate

pytestmark = pytest.mark.no_db


def plan(number: int, requested: int, day: int, hour: int = 10) -> Candidate:
    moment = datetime(2014, 4, day, hour, tzinfo=UTC)
    return Candidate(number, f"SP-{number:02d}", requested=requested, complete_at=moment,
                     complete_on=date(2014, 4, day))


def outcomes(allocation) -> dict[str, tuple[str, int]]:
    return {r.reference: (r.outcome, r.amount) for r in allocation.results}


def test_a_ceiling_that_exactly_fits():
    allocation = methods.first_come_first_served(
        [plan(1, 400_000_00, 1), plan(2, 600_000_00, 2)], 1_000_000_00, seed="x")
    assert outcomes(allocation) == {"SP-01": ("approved", 400_000_00),
                                    "SP-02": ("approved", 600_000_00)}
    assert allocation.results[-1].running_total == 1_000_000_00
    assert allocation.lottery == []


def test_one_cent_short_refuses_the_whole_application():
    allocation = methods.first_come_first_served(
        [plan(1, 400_000_00, 1), plan(2, 600_000_00, 2)], 999_999_99, seed="x")
    assert outcomes(allocation)["SP-02"] == ("rejected", 0)
    assert "Subsidieplafond bereikt" in allocation.results[1].reason


def test_order_is_by_completeness_not_by_number():
    allocation = methods.first_come_first_served(
        [plan(1, 500_00, 3), plan(2, 500_00, 1)], 500_00, seed="x")
    assert outcomes(allocation) == {"SP-02": ("approved", 500_00), "SP-01": ("rejected", 0)}
    assert [r.rank for r in allocation.results] == [1, 2]


def test_no_later_application_jumps_the_queue_by_being_smaller():
    allocation = methods.first_come_first_served(
        [plan(1, 600_00, 1), plan(2, 500_00, 2), plan(3, 100_00, 3)], 1000_00, seed="x")
    assert outcomes(allocation) == {"SP-01": ("approved", 600_00), "SP-02": ("rejected", 0),
                                    "SP-03": ("rejected", 0)}


def test_same_day_lottery_at_the_edge_is_reproducible_by_seed():
    candidates = [plan(1, 300_00, 1), plan(2, 400_00, 2, 9), plan(3, 400_00, 2, 11),
                  plan(4, 400_00, 2, 15), plan(5, 100_00, 3)]
    first = methods.first_come_first_served(candidates, 1100_00, seed="2014-06-01")
    again = methods.first_come_first_served(list(reversed(candidates)), 1100_00,
                                            seed="2014-06-01")
    assert first.results == again.results
    assert sorted(first.lottery) == ["SP-02", "SP-03", "SP-04"]
    funded = [r.reference for r in first.results if r.outcome == "approved"]
    assert funded[0] == "SP-01" and len(funded) == 3  # SP-01 and two of the three same-day
    assert outcomes(first)["SP-05"] == ("rejected", 0)
    assert {r.lottery_position for r in first.results if r.reference in first.lottery} == {1, 2, 3}
    seeds = {tuple(methods.first_come_first_served(candidates, 1100_00, seed=str(s)).lottery)
             for s in range(20)}
    assert len(seeds) > 1  # the seed really decides the order


def test_a_day_that_fits_whole_needs_no_lottery():
    allocation = methods.first_come_first_served(
        [plan(1, 300_00, 2, 9), plan(2, 300_00, 2, 11)], 600_00, seed="x")
    assert allocation.lottery == []
    assert [r.outcome for r in allocation.results] == ["approved", "approved"]


def place(number: int, **fractions) -> Candidate:
    return Candidate(number, f"PL-{number:02d}",
                     fractions={k: Fraction(v) for k, v in fractions.items()})


CAP = 270_000


def test_pro_rata_with_the_cap_binding():
    # Plenty of money: everyone gets the full € 2.700 per place.
    allocation = methods.pro_rata([place(1, mbo=1), place(2, mbo="1/2", hbo="21/42")],
                                  {"mbo": 188_900_000_00, "hbo": 8_000_000_00}, CAP)
    assert allocation.rates == {"mbo": Fraction(CAP), "hbo": Fraction(CAP)}
    assert outcomes(allocation) == {"PL-01": ("settled", 270_000),
                                    "PL-02": ("settled", 135_000 + 135_000)}


def test_pro_rata_with_the_ceiling_binding():
    # € 5.000 over 2,5 places: € 2.000 a place.
    allocation = methods.pro_rata([place(1, mbo=1), place(2, mbo="1/2"), place(3, mbo=1)],
                                  {"mbo": 500_000}, CAP)
    assert allocation.rates["mbo"] == Fraction(200_000)
    assert outcomes(allocation) == {"PL-01": ("settled", 200_000),
                                    "PL-02": ("settled", 100_000),
                                    "PL-03": ("settled", 200_000)}
    assert allocation.category_totals == {"mbo": 500_000}


def test_rounding_never_exceeds_the_ceiling():
    # € 1.000 over three thirds of a place: € 333,33 each, one cent stays on the line.
    allocation = methods.pro_rata([place(1, hbo="1/3"), place(2, hbo="1/3"),
                                   place(3, hbo="1/3")], {"hbo": 100_000}, CAP)
    assert allocation.rates["hbo"] == Fraction(100_000)
    assert [r.amount for r in allocation.results] == [33_333, 33_333, 33_333]
    assert allocation.category_totals["hbo"] == 99_999


def test_rounding_with_an_awkward_rate():
    allocation = methods.pro_rata([place(n, mbo="7/40") for n in range(1, 8)],
                                  {"mbo": 100_000_00}, CAP)
    # 49/40 places for € 100.000 is above the cap: the cap binds at 7/40 × € 2.700 = € 472,50.
    assert {r.amount for r in allocation.results} == {47_250}
    tight = methods.pro_rata([place(n, mbo="7/40") for n in range(1, 8)], {"mbo": 50_000},
                             CAP)
    # € 500 over 49/40 places: 7/40 × 50.000/(49/40) = 7.142,857… → 7.142 cents each.
    assert {r.amount for r in tight.results} == {7_142}
    assert tight.category_totals["mbo"] == 49_994 <= 50_000


def test_late_applications_are_ineligible_and_do_not_dilute_the_rate():
    late = Candidate(9, "PL-09", fractions={"mbo": Fraction(1)}, late=True)
    allocation = methods.pro_rata([place(1, mbo=1), late], {"mbo": 200_000}, CAP)
    assert outcomes(allocation) == {"PL-01": ("settled", 200_000), "PL-09": ("ineligible", 0)}


def scored(number: int, requested: int, total: str, average: str) -> Candidate:
    return Candidate(number, f"RIF-{number:02d}", requested=requested,
                     score_total=Fraction(total), score_average=Fraction(average))


def test_ranked_by_score_up_to_the_ceiling_and_insufficient_refused():
    candidates = [scored(1, 500_000_00, "28", "7"), scored(2, 800_000_00, "32", "8"),
                  scored(3, 400_000_00, "30", "15/2"), scored(4, 300_000_00, "20", "5")]
    allocation = methods.ranked(candidates, 1_300_000_00, Fraction(6), seed="x")
    assert outcomes(allocation) == {"RIF-02": ("approved", 800_000_00),
                                    "RIF-03": ("approved", 400_000_00),
                                    "RIF-01": ("rejected", 0), "RIF-04": ("rejected", 0)}
    assert [r.rank for r in allocation.results[:3]] == [1, 2, 3]
    assert "onvoldoende" in allocation.results[-1].reason


def test_ranked_ties_at_the_edge_go_by_lottery():
    candidates = [scored(1, 500_00, "30", "7"), scored(2, 500_00, "30", "7")]
    allocation = methods.ranked(candidates, 500_00, Fraction(6), seed="rif-2014")
    assert sorted(allocation.lottery) == ["RIF-01", "RIF-02"]
    assert sorted(r.outcome for r in allocation.results) == ["approved", "rejected"]
    again = methods.ranked(candidates, 500_00, Fraction(6), seed="rif-2014")
    assert again.results == allocation.results
