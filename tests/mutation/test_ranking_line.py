"""The line at the period's ceiling in the RIF committee's ranking
(grants/allocation/ranking_line.py), stated with hand-computed figures so that no small change
to it goes unnoticed (issue 19; bench/mutation.py --module grants/allocation/ranking_line.py).

Rules (shared/domain.md §3 Distribution, §4 Ceiling, Awb 4:25–4:26): applications scored
sufficient are funded in rank order while the full amount fits in the period's ceiling; the
first that does not fit and every one after it are below the line, also a smaller later one
that would still fit; ties straddling the line are decided by the run's recorded lottery, and
until then the page says "lottery" for each of them; the insufficient ones have no place on
either side. Each sufficient row shows what it and every sufficient one above it ask together,
and what the ceiling leaves after that (negative once past the line). The line is the one the
allocation run draws: here the run's own method (methods.ranked) draws it from hand-made
candidates, as runs.compute would for the window (tests/assess/test_committee_quorum.py checks
it against the real window and run), with the page's fixed preview seed "rangschikking", so that
the page shows the same figures every time it is opened.
"""

from fractions import Fraction

import pytest

from grants.allocation import methods
from grants.allocation import ranking_line as module
from grants.allocation.methods import Candidate
from grants.allocation.ranking_line import LineMark, Place, ranking_line
from grants.allocation.runs import RunOutcome
from grants.errors import ValidationFailed

pytestmark = pytest.mark.no_db

SUFFICIENT = Fraction(6)  # the RIF rule book's sufficient average (workflows.fields.rif)


class Period:
    """Stands in for a RIF window: only the dry run below looks at it."""

    name = "RIF 2014"


def scored(number: int, euros: int, total: int) -> Candidate:
    # Four criteria: the average per criterion is the total ÷ 4.
    return Candidate(number, f"RIF-{number:02d}", requested=euros * 100,
                     score_total=Fraction(total), score_average=Fraction(total, 4))


def line_of(monkeypatch, candidates: list[Candidate], room: int):
    period = Period()

    def dry_run(window, *, seed):
        # The run divides this period's applications only; its seed is recorded, so a string.
        assert window is period and isinstance(seed, str)
        return RunOutcome(window, "ranked", seed, {"2014": room}, candidates,
                          methods.ranked(candidates, room, SUFFICIENT, seed))

    monkeypatch.setattr(module, "compute", dry_run)
    return period, ranking_line(period)


def test_the_line_falls_where_the_full_amount_no_longer_fits(monkeypatch):
    # Ceiling € 1.000.000. Sufficient, by total: € 400.000 (36), € 350.000 (32), € 300.000
    # (28), € 200.000 (24). Cumulative 400k, 750k — the line — 1.050k, 1.250k; left 600k,
    # 250k, −50k, −250k. The € 200.000 would fit in the € 250.000 left, but it comes after one
    # that does not: below. Two insufficient ones (averages 5 and 3) have neither side.
    candidates = [scored(1, 400_000, 36), scored(2, 350_000, 32), scored(3, 300_000, 28),
                  scored(4, 200_000, 24), scored(5, 500_000, 20), scored(6, 250_000, 12)]
    period, line = line_of(monkeypatch, candidates, 1_000_000_00)
    assert line.window is period and line.available == 1_000_000_00
    assert line.marks == {
        1: LineMark(Place.ABOVE, 400_000_00, 600_000_00),
        2: LineMark(Place.ABOVE, 750_000_00, 250_000_00),
        3: LineMark(Place.BELOW, 1_050_000_00, -50_000_00),
        4: LineMark(Place.BELOW, 1_250_000_00, -250_000_00),
        5: LineMark(Place.INSUFFICIENT, None, None),
        6: LineMark(Place.INSUFFICIENT, None, None),
    }


def test_a_tie_across_the_line_is_the_lotterys_in_the_preview_seeds_order(monkeypatch):
    # Ceiling € 1.000.000. RIF-01 (€ 400.000, total 36) is above: 600k left. RIF-02, -03 and
    # -04 all total 28 and ask € 300.000, € 250.000 and € 200.000, together € 750.000 > 600k:
    # the lottery orders them, and each row says so. Seed "rangschikking" shuffles the
    # reference order [02, 03, 04] to [02, 04, 03] (Python's random.Random shuffle, worked out
    # outside the code under test), so the page adds them up in that order: 700k (300k left),
    # 900k (100k), 1.150k (−150k). RIF-05 (€ 200.000, total 24) comes after: below, 1.350k.
    candidates = [scored(1, 400_000, 36), scored(2, 300_000, 28), scored(3, 250_000, 28),
                  scored(4, 200_000, 28), scored(5, 200_000, 24)]
    _, line = line_of(monkeypatch, candidates, 1_000_000_00)
    assert line.marks == {
        1: LineMark(Place.ABOVE, 400_000_00, 600_000_00),
        2: LineMark(Place.LOTTERY, 700_000_00, 300_000_00),
        4: LineMark(Place.LOTTERY, 900_000_00, 100_000_00),
        3: LineMark(Place.LOTTERY, 1_150_000_00, -150_000_00),
        5: LineMark(Place.BELOW, 1_350_000_00, -350_000_00),
    }
    assert list(line.marks) == [1, 2, 4, 3, 5]


def test_no_line_when_the_ceiling_is_below_what_is_committed(monkeypatch):
    # The run refuses to divide a negative room; the page then draws no line at all.
    def refused(window, *, seed):
        raise ValidationFailed("Het plafond is lager dan wat al verplicht is.",
                               {"ceiling": ["Er is al € 1,00 verplicht."]})

    monkeypatch.setattr(module, "compute", refused)
    assert ranking_line(Period()) is None
