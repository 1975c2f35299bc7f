"""What a RIF letter says about the committee's advice (Awb 3:49): the scores per criterion, the
total, the rank, and where the money ran out.

The ranking run stored what it divided (``AllocationRun.inputs``, ``available``, ``lottery``)
before it takes its first decision, so every letter of the run, the first one too, can state the
whole ranking; the letters of later decisions (a grant after an upheld objection) read the same
run back.
"""

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AllocationResult, AllocationRun, Application, Assessment
from grants.money import format_eur

# The criteria as the regulation names them (the letter is Dutch whatever the page language).
CRITERIA = {
    "fit": "Aansluiting van onderwijs op de arbeidsmarkt",
    "coordination": "Afstemming met andere scholen in de regio",
    "durability": "Duurzaamheid na de subsidie",
    "innovation": "Vernieuwing",
}
# Why the authority follows the advice (Awb 3:49: the decision may refer to the advice only
# when the authority says it adopts it, and why).
ADOPTED = ("Wij nemen het advies van de beoordelingscommissie over, omdat de commissie "
           "onafhankelijk is, elke aanvraag van deze ronde op dezelfde criteria uit de regeling "
           "heeft beoordeeld, en wij in haar advies geen fouten of onvolledigheden hebben "
           "gevonden.")


def score_text(value: Fraction) -> str:
    """A score as the letter prints it: 7,5 or 27 or 6,67 (two decimals at most, exact input)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    text = f"{exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _scores(application_id: int, criteria: list[str]) -> tuple[list[dict], Fraction, Fraction]:
    sheets = [scores or {} for scores in db.session.scalars(
        sa.select(Assessment.scores).where(Assessment.application_id == application_id)
        .order_by(Assessment.id))]
    rows = []
    for code in criteria:
        given = [sheet[code] for sheet in sheets if code in sheet]
        if given:
            rows.append({"criterion": CRITERIA.get(code, code),
                         "score": score_text(Fraction(sum(given), len(given)))})
    values = [value for sheet in sheets for value in sheet.values()]
    total = Fraction(sum(values), len(sheets)) if sheets else Fraction(0)
    average = Fraction(sum(values), len(values)) if values else Fraction(0)
    return rows, total, average


def _ranking(run: AllocationRun, sufficient: Fraction) -> tuple[list[dict], int]:
    """The run's ranking (the sufficient applications, best first, ties at the edge in the
    recorded lottery's order) and the last rank the money reached (0: none)."""
    eligible = [item for item in run.inputs
                if item.get("score_average") is not None
                and Fraction(item["score_average"]) >= sufficient]
    lottery = {reference: place for place, reference in enumerate(run.lottery or [])}
    eligible.sort(key=lambda item: (-Fraction(item["score_total"] or 0),
                                    lottery.get(item["reference"], -1), item["reference"]))
    # Funded in order while the whole amount fits; the first that does not fit ends it.
    room, funded = sum(int(v) for v in (run.available or {}).values()), 0
    for item in eligible:
        if int(item["requested_cents"]) > room:
            break
        room -= int(item["requested_cents"])
        funded += 1
    return eligible, funded


def _run_of(application: Application, allocation_run: int | None) -> AllocationRun | None:
    if allocation_run is not None:
        return db.session.get(AllocationRun, allocation_run)
    return db.session.scalars(
        sa.select(AllocationRun).join(AllocationResult)
        .where(AllocationResult.application_id == application.id)
        .order_by(AllocationRun.id.desc()).limit(1)).first()


def committee_part(application: Application, params: dict,
                   allocation_run: int | None) -> dict:
    """The committee's scores, the total, the rank and the cut-off, and why we follow it."""
    sufficient = Fraction(str(params.get("sufficient_average", 0)))
    rows, total, average = _scores(application.id, list(params.get("criteria") or CRITERIA))
    part = {
        "criteria": rows,
        "total": score_text(total),
        "average": score_text(average),
        "sufficient_average": score_text(sufficient),
        "sufficient": average >= sufficient,
        "ranked": False,
        "adopted": ADOPTED,
    }
    run = _run_of(application, allocation_run)
    if run is None:
        return part
    ranking, funded = _ranking(run, sufficient)
    rank = next((place for place, item in enumerate(ranking, start=1)
                 if item["application"] == application.id), None)
    if rank is None:
        return part
    last = ranking[funded - 1] if funded else None
    part.update(
        ranked=True,
        rank=rank,
        ranked_count=len(ranking),
        room=format_eur(sum(int(v) for v in (run.available or {}).values())),
        last_funded_rank=funded,
        last_funded_total=score_text(Fraction(last["score_total"])) if last else "",
        funded=rank <= funded,
    )
    return part
