"""The three ways of dividing money (grants/allocation/methods.py) at their edges, each stated
with hand-computed figures so that no small change to them goes unnoticed (issue 19;
bench/mutation.py --module grants/allocation/methods.py).

Rules (shared/domain.md §1–§4): sector plans are granted in the order in which they became
complete, a day that straddles the ceiling is ordered by a recorded lottery, and an application
that does not fit is refused whole, after which no later one jumps the queue (Awb 4:25, 4:26);
RIF applications scored sufficient are ranked by total score, ties at the edge by lottery, the
insufficient ones refused on their scores; praktijkleren pays one rate per category,
rate = min(€ 2.700, ceiling ÷ all valid fractions), rounded down to the cent so that no category
pays out more than its ceiling, and a late application is ineligible and does not dilute the rate.

The lottery is Python's random.Random(seed).shuffle over the candidates in reference order; the
orders asserted below are that shuffle for the recorded seed, worked out once outside the code
under test, so a change to the seed, the starting order or the shuffle shows.

Mutants that cannot change behaviour (read by bench/mutation.py). Only one group per run is ever
ordered by lottery: a group is drawn only when its sum exceeds what is left, and then at least one
of its members cannot fit (were all approved, each leaving ≥ 0, their sum would fit), which
refuses everything after it, so `lottery` is still empty when it is extended. A sum of Fractions
started at int 0 is the Fraction itself, and an empty one (no eligible application) is 0, which
is falsy and equal to Fraction(0) alike, and the total is only tested for zero and divided into:

equivalent: grants.allocation.methods.x__fund_in_order__mutmut_20 — lottery is empty then
equivalent: grants.allocation.methods.x_pro_rata__mutmut_7 — int 0 start: same sums
"""

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from grants.allocation import methods
from grants.allocation.methods import CEILING_REACHED, Candidate, Result

pytestmark = pytest.mark.no_db

INSUFFICIENT = "De gemiddelde score van de beoordelingscommissie is onvoldoende."
LATE = "Te laat ingediend: na de sluiting van het tijdvak."
CAP = 270_000  # € 2.700 per full place


def plan(number: int, requested: int, day: int, hour: int = 10) -> Candidate:
    moment = datetime(2014, 4, day, hour, tzinfo=UTC)
    return Candidate(number, f"SP-{number:02d}", requested=requested, complete_at=moment,
                     complete_on=date(2014, 4, day))


def scored(number: int, requested: int, total, average) -> Candidate:
    return Candidate(number, f"RIF-{number:02d}", requested=requested,
                     score_total=None if total is None else Fraction(total),
                     score_average=None if average is None else Fraction(average))


def place(number: int, late: bool = False, **fractions) -> Candidate:
    return Candidate(number, f"PL-{number:02d}", late=late,
                     fractions={k: Fraction(v) for k, v in fractions.items()})


# --- Sector plans: first come, first served -------------------------------------------------

def test_the_lottery_order_for_a_known_seed_and_nobody_jumps_the_queue_after_it():
    # Ceiling € 1.200. SP-01 (1 April) takes € 300, € 900 left. On 2 April three plans of
    # € 400 (€ 1.200 together) straddle the edge: the lottery orders them. They became complete
    # in the order SP-04, SP-03, SP-02, but the lottery starts from reference order
    # [SP-02, SP-03, SP-04]; seed "T2-2014" shuffles that to [SP-02, SP-04, SP-03].
    # SP-02: 900 − 400 = 500 left; SP-04: 500 − 400 = 100 left; SP-03 (400 > 100) is refused.
    # SP-05 (3 April, € 100) would fit in the € 100 left, but it came later than a refused
    # plan: refused too.
    candidates = [plan(5, 100_00, 3), plan(2, 400_00, 2, 15), plan(3, 400_00, 2, 11),
                  plan(4, 400_00, 2, 9), plan(1, 300_00, 1)]
    allocation = methods.first_come_first_served(candidates, 1_200_00, seed="T2-2014")
    assert allocation.lottery == ["SP-02", "SP-04", "SP-03"]
    assert allocation.results == [
        Result(1, "SP-01", "approved", 300_00, 1, "", None, running_total=300_00),
        Result(2, "SP-02", "approved", 400_00, 2, "", 1, running_total=700_00),
        Result(4, "SP-04", "approved", 400_00, 3, "", 2, running_total=1_100_00),
        Result(3, "SP-03", "rejected", 0, 4, CEILING_REACHED, 3, running_total=1_100_00),
        Result(5, "SP-05", "rejected", 0, 5, CEILING_REACHED, None, running_total=1_100_00),
    ]


def test_a_single_plan_that_does_not_fit_is_refused_without_a_lottery():
    # € 500 left after SP-01; SP-02 alone on 2 April asks € 600: nothing to draw lots about.
    allocation = methods.first_come_first_served(
        [plan(1, 500_00, 1), plan(2, 600_00, 2)], 1_000_00, seed="T2-2014")
    assert allocation.lottery == []
    assert allocation.results[1] == Result(2, "SP-02", "rejected", 0, 2, CEILING_REACHED, None,
                                            running_total=500_00)


def test_after_a_refusal_a_later_straddling_day_draws_no_lottery():
    # € 1.000: SP-01 (€ 1.100) does not fit and is refused; the day after, SP-02 and SP-03
    # (€ 600 each, € 1.200 together) would straddle the € 1.000 but are refused in order,
    # without drawing lots.
    allocation = methods.first_come_first_served(
        [plan(1, 1_100_00, 1), plan(2, 600_00, 2, 9), plan(3, 600_00, 2, 11)], 1_000_00,
        seed="T2-2014")
    assert allocation.lottery == []
    assert [(r.reference, r.outcome, r.rank, r.lottery_position, r.running_total)
            for r in allocation.results] == [("SP-01", "rejected", 1, None, 0),
                                             ("SP-02", "rejected", 2, None, 0),
                                             ("SP-03", "rejected", 3, None, 0)]


def test_plans_complete_at_the_same_moment_go_in_reference_order():
    # Both fit (€ 200 + € 300 ≤ € 500), so no lottery: at the same moment the reference
    # decides the rank, whatever order they are handed in.
    allocation = methods.first_come_first_served(
        [plan(2, 300_00, 1), plan(1, 200_00, 1)], 500_00, seed="T2-2014")
    assert [(r.reference, r.rank, r.running_total) for r in allocation.results] == [
        ("SP-01", 1, 200_00), ("SP-02", 2, 500_00)]


def test_a_day_is_a_calendar_day_not_a_moment():
    # Two plans on 2 April, at 09:00 and 11:00, € 600 each, € 1.000 left: one group that
    # straddles the edge, so a lottery; from reference order [SP-01, SP-02] seed "loting"
    # gives [SP-02, SP-01]: SP-02 is funded, SP-01 refused although it came first that day.
    allocation = methods.first_come_first_served(
        [plan(1, 600_00, 2, 9), plan(2, 600_00, 2, 11)], 1_000_00, seed="loting")
    assert allocation.lottery == ["SP-02", "SP-01"]
    assert [(r.reference, r.outcome, r.lottery_position) for r in allocation.results] == [
        ("SP-02", "approved", 1), ("SP-01", "rejected", 2)]


# --- RIF: ranked by score ---------------------------------------------------------------------

def test_a_score_exactly_at_the_threshold_is_sufficient():
    # Threshold 6: an average of exactly 6 is sufficient and funded; 5 99/100 is not.
    candidates = [scored(1, 200_000_00, "24", "6"), scored(2, 200_000_00, "30", "599/100")]
    allocation = methods.ranked(candidates, 1_000_000_00, Fraction(6), seed="T2-2014")
    assert allocation.results == [
        Result(1, "RIF-01", "approved", 200_000_00, 1, "", None, running_total=200_000_00),
        Result(2, "RIF-02", "rejected", 0, None, INSUFFICIENT),
    ]


def test_an_unscored_application_is_refused_as_insufficient():
    allocation = methods.ranked([scored(1, 200_000_00, None, None)], 1_000_000_00, Fraction(6),
                                seed="T2-2014")
    assert allocation.results == [Result(1, "RIF-01", "rejected", 0, None, INSUFFICIENT)]
    assert allocation.lottery == []


def test_ranked_highest_total_first_ties_by_reference_insufficient_last_by_reference():
    # Totals 32, 30, 30, 28 (all sufficient) and two insufficient ones; € 1.000.000 covers
    # 250.000 + 300.000 + 200.000 + 250.000 exactly, so every tie fits and no lottery is drawn.
    candidates = [scored(6, 1, "40", "5"), scored(4, 250_000_00, "28", "7"),
                  scored(3, 200_000_00, "30", "15/2"), scored(2, 300_000_00, "30", "15/2"),
                  scored(1, 250_000_00, "32", "8"), scored(5, 1, "10", "5/2")]
    allocation = methods.ranked(candidates, 1_000_000_00, Fraction(6), seed="T2-2014")
    assert allocation.lottery == []
    assert [(r.reference, r.outcome, r.rank, r.running_total) for r in allocation.results] == [
        ("RIF-01", "approved", 1, 250_000_00), ("RIF-02", "approved", 2, 550_000_00),
        ("RIF-03", "approved", 3, 750_000_00), ("RIF-04", "approved", 4, 1_000_000_00),
        ("RIF-05", "rejected", None, 0), ("RIF-06", "rejected", None, 0)]


def test_ranked_tie_at_the_edge_lottery_order_for_a_known_seed():
    # Five of € 500 at a total score of 30, € 1.500 available: from reference order
    # [RIF-01 … RIF-05] seed "T2-2014" gives [RIF-02, RIF-03, RIF-01, RIF-05, RIF-04]; the first
    # three fit (1.500 − 3 × 500 = 0), RIF-05 and RIF-04 are refused.
    candidates = [scored(n, 500_00, "30", "7") for n in (3, 5, 2, 4, 1)]
    allocation = methods.ranked(candidates, 1_500_00, Fraction(6), seed="T2-2014")
    assert allocation.lottery == ["RIF-02", "RIF-03", "RIF-01", "RIF-05", "RIF-04"]
    assert allocation.results == [
        Result(2, "RIF-02", "approved", 500_00, 1, "", 1, running_total=500_00),
        Result(3, "RIF-03", "approved", 500_00, 2, "", 2, running_total=1_000_00),
        Result(1, "RIF-01", "approved", 500_00, 3, "", 3, running_total=1_500_00),
        Result(5, "RIF-05", "rejected", 0, 4, CEILING_REACHED, 4, running_total=1_500_00),
        Result(4, "RIF-04", "rejected", 0, 5, CEILING_REACHED, 5, running_total=1_500_00),
    ]


# --- Praktijkleren: pro rata --------------------------------------------------------------------

def test_a_category_without_places_keeps_the_full_rate_and_pays_nothing():
    # vmbo has a ceiling but nobody claims a vmbo place: no division by zero, its rate is the
    # cap € 2.700, and it pays out € 0.
    allocation = methods.pro_rata([place(1, mbo=1)], {"mbo": 200_000, "vmbo": 100_000}, CAP)
    assert allocation.rates == {"mbo": Fraction(200_000), "vmbo": Fraction(CAP)}
    assert allocation.category_totals == {"mbo": 200_000, "vmbo": 0}


def test_an_application_without_places_in_a_category_does_not_dilute_its_rate():
    # mbo: ceiling € 2.000 over PL-01's one place = € 2.000 a place (below the cap). PL-02
    # claims only an hbo place: it counts for nothing in mbo (were it a full place the rate
    # would halve to € 1.000); PL-03's mbo place of 0 likewise, and gets no mbo amount at all.
    # hbo: 2 places, € 8.000.000 ceiling, so the cap € 2.700 binds.
    allocation = methods.pro_rata([place(1, mbo=1), place(2, hbo=1), place(3, hbo=1, mbo=0)],
                                  {"mbo": 200_000, "hbo": 800_000_00}, CAP)
    assert allocation.rates == {"mbo": Fraction(200_000), "hbo": Fraction(CAP)}
    assert [(r.reference, r.amount, r.amounts) for r in allocation.results] == [
        ("PL-01", 200_000, {"mbo": 200_000}), ("PL-02", 270_000, {"hbo": 270_000}),
        ("PL-03", 270_000, {"hbo": 270_000})]


def test_a_category_without_a_ceiling_pays_nothing():
    # A "wo" place claimed where the run has no wo ceiling: only the mbo place is paid.
    allocation = methods.pro_rata([place(1, mbo="1/2", wo=1)], {"mbo": 188_900_000_00}, CAP)
    assert allocation.results[0].amounts == {"mbo": 135_000}
    assert allocation.results[0].amount == 135_000


def test_the_order_of_applications_after_a_late_one():
    # mbo ceiling € 3.000 over PL-01 (1) and PL-03 (1/2) = 1,5 places → € 2.000 a place; the
    # late PL-02 is ineligible and does not count. In reference order: PL-01 € 2.000
    # (running € 2.000), PL-02 ineligible (€ 0), PL-03 € 1.000 (running € 3.000).
    allocation = methods.pro_rata([place(3, mbo="1/2"), place(2, late=True, mbo=1),
                                   place(1, mbo=1)], {"mbo": 300_000}, CAP)
    assert allocation.rates == {"mbo": Fraction(200_000)}
    assert allocation.results == [
        Result(1, "PL-01", "settled", 200_000, amounts={"mbo": 200_000}, running_total=200_000),
        Result(2, "PL-02", "ineligible", 0, reason=LATE),
        Result(3, "PL-03", "settled", 100_000, amounts={"mbo": 100_000}, running_total=300_000),
    ]
    assert allocation.category_totals == {"mbo": 300_000}


def test_rates_are_rounded_down_to_the_cent_per_category():
    # hbo: € 1.000 over 3 × 1/3 = 1 place → rate 100.000 (exact); each 1/3 × 100.000 =
    # 33.333,33… → 33.333 cents. mbo: € 100 over 3 places → rate 10.000/3 = 3.333,33… exact;
    # each full place 3.333 cents. Totals 99.999 and 9.999, one cent each stays on the line.
    allocation = methods.pro_rata(
        [place(1, hbo="1/3", mbo=1), place(2, hbo="1/3", mbo=1), place(3, hbo="1/3", mbo=1)],
        {"hbo": 100_000, "mbo": 10_000}, CAP)
    assert allocation.rates == {"hbo": Fraction(100_000), "mbo": Fraction(10_000, 3)}
    assert [r.amount for r in allocation.results] == [36_666, 36_666, 36_666]
    assert [r.running_total for r in allocation.results] == [36_666, 73_332, 109_998]
    assert allocation.category_totals == {"hbo": 99_999, "mbo": 9_999}


def test_a_ceiling_exactly_at_the_cap_gives_the_cap():
    # € 5.400 over 2 places = € 2.700 = the cap: the rate is € 2.700 either way, paid in full.
    allocation = methods.pro_rata([place(1, mbo=1), place(2, mbo=1)], {"mbo": 540_000}, CAP)
    assert allocation.rates == {"mbo": Fraction(CAP)}
    assert allocation.category_totals == {"mbo": 540_000}


def test_a_payout_over_a_ceiling_stops_the_run_and_says_why():
    # Rounding down cannot exceed a ceiling (Σ floor(rate × f) ≤ rate × Σ f ≤ ceiling), so the
    # last line of defence is reached only by a ceiling below zero, which compute() refuses
    # first ("Het plafond is lager dan wat al verplicht is."): here pays € 0,00 > − € 0,01.
    with pytest.raises(AssertionError, match="^rounding exceeded a ceiling$"):
        methods.pro_rata([], {"mbo": -1}, CAP)
