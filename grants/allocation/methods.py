"""How each scheme divides its money: pure functions over plain data, exact to the cent.

No database here: the same inputs and lottery seed always give the same results, which is what
makes a run explainable and reproducible.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from math import floor

from grants.workflows.order import completeness_order

APPROVED, REJECTED, SETTLED, INELIGIBLE = "approved", "rejected", "settled", "ineligible"
CEILING_REACHED = "Subsidieplafond bereikt: de aanvraag past niet meer in wat er over is."


@dataclass(frozen=True)
class Candidate:
    application_id: int
    reference: str
    requested: int = 0
    # First-come-first-served: when the application became complete, and that day (Amsterdam).
    complete_at: datetime | None = None
    complete_on: date | None = None
    # Praktijkleren: places per category as exact fractions of a full place.
    fractions: dict[str, Fraction] = field(default_factory=dict)
    late: bool = False
    # RIF: the committee's total score (average per member) and average per criterion.
    score_total: Fraction | None = None
    score_average: Fraction | None = None


@dataclass(frozen=True)
class Result:
    application_id: int
    reference: str
    outcome: str
    amount: int
    rank: int | None = None
    reason: str = ""
    lottery_position: int | None = None
    amounts: dict[str, int] = field(default_factory=dict)
    running_total: int = 0


@dataclass(frozen=True)
class Allocation:
    results: list[Result]
    # Praktijkleren: the rate per category in cents (exact), and what each category paid out.
    rates: dict[str, Fraction] = field(default_factory=dict)
    category_totals: dict[str, int] = field(default_factory=dict)
    # Which references were ordered by the lottery, and the seed that ordered them.
    lottery: list[str] = field(default_factory=list)


def _lottery(candidates: list[Candidate], seed: str) -> list[Candidate]:
    """A reproducible order: shuffle by the seed, starting from an order fixed by reference."""
    ordered = sorted(candidates, key=lambda c: c.reference)
    random.Random(seed).shuffle(ordered)  # noqa: S311  (fairness by a recorded seed, not secrecy)
    return ordered


def _fund_in_order(groups: Iterable[list[Candidate]], available: int, seed: str) -> Allocation:
    """Fund group after group while the full amount fits; a group that straddles the edge is
    ordered by lottery. Once one application does not fit, it and all after it are refused:
    no later application jumps the queue by being smaller."""
    results, lottery = [], []
    remaining, total, rank, refused = available, 0, 0, False
    for group in groups:
        fits_whole = sum(c.requested for c in group) <= remaining
        if not refused and not fits_whole and len(group) > 1:
            group = _lottery(group, seed)
            lottery += [c.reference for c in group]
        for position, candidate in enumerate(group, start=1):
            rank += 1
            in_lottery = candidate.reference in lottery
            if not refused and candidate.requested <= remaining:
                remaining -= candidate.requested
                total += candidate.requested
                results.append(Result(candidate.application_id, candidate.reference, APPROVED,
                                      candidate.requested, rank,
                                      lottery_position=position if in_lottery else None,
                                      running_total=total))
            else:
                refused = True
                results.append(Result(candidate.application_id, candidate.reference, REJECTED,
                                      0, rank, CEILING_REACHED,
                                      lottery_position=position if in_lottery else None,
                                      running_total=total))
    return Allocation(results, lottery=lottery)


def first_come_first_served(candidates: list[Candidate], available: int,
                            seed: str) -> Allocation:
    """Sector plans: in order of completeness; same-day applications at the edge by lottery."""
    by_day: dict[date, list[Candidate]] = {}
    for candidate in completeness_order(candidates):
        by_day.setdefault(candidate.complete_on, []).append(candidate)
    return _fund_in_order(by_day.values(), available, seed)


def ranked(candidates: list[Candidate], available: int, sufficient: Fraction,
           seed: str) -> Allocation:
    """RIF: sufficient applications by total score, highest first; ties at the edge by lottery;
    the insufficient ones are refused on their scores."""
    eligible = [c for c in candidates if c.score_average is not None
                and c.score_average >= sufficient]
    by_score: dict[Fraction, list[Candidate]] = {}
    for candidate in sorted(eligible, key=lambda c: (-c.score_total, c.reference)):
        by_score.setdefault(candidate.score_total, []).append(candidate)
    allocation = _fund_in_order(by_score.values(), available, seed)
    funded = {c.application_id for c in eligible}
    insufficient = [
        Result(c.application_id, c.reference, REJECTED, 0, None,
               "De gemiddelde score van de beoordelingscommissie is onvoldoende.")
        for c in sorted(candidates, key=lambda c: c.reference) if c.application_id not in funded]
    return Allocation(allocation.results + insufficient, lottery=allocation.lottery)


def pro_rata(candidates: list[Candidate], ceilings: dict[str, int], cap: int) -> Allocation:
    """Praktijkleren: one rate per category, rate = min(cap, ceiling ÷ all valid fractions).

    Rounding rule: each application's amount per category is its fractions × the exact rate,
    rounded down to the cent. Rounding down can only lower the total, so a category never pays
    out more than its ceiling; the cents left over stay unspent on the line.
    """
    eligible = [c for c in candidates if not c.late]
    totals = {category: sum((c.fractions.get(category, Fraction(0)) for c in eligible),
                            Fraction(0)) for category in ceilings}
    rates = {category: min(Fraction(cap), Fraction(ceilings[category]) / totals[category])
             if totals[category] else Fraction(cap) for category in ceilings}
    results, paid = [], dict.fromkeys(ceilings, 0)
    running = 0
    for candidate in sorted(candidates, key=lambda c: c.reference):
        if candidate.late:
            results.append(Result(candidate.application_id, candidate.reference, INELIGIBLE, 0,
                                  reason="Te laat ingediend: na de sluiting van het tijdvak."))
            continue
        amounts = {category: floor(rates[category] * fraction)
                   for category, fraction in candidate.fractions.items()
                   if fraction and category in rates}
        for category, cents in amounts.items():
            paid[category] += cents
        running += sum(amounts.values())
        results.append(Result(candidate.application_id, candidate.reference, SETTLED,
                              sum(amounts.values()), amounts=amounts, running_total=running))
    assert all(paid[c] <= ceilings[c] for c in ceilings), "rounding exceeded a ceiling"
    return Allocation(results, rates=rates, category_totals=paid)
