"""The line in the RIF committee's ranking: which applications fit within the period's ceiling.

The line is drawn by the allocation run itself (a dry run of ``runs.compute``), so the ranking
page and the run that finance later prepares can never disagree: applications scored
sufficient are funded in rank order while the full amount fits; the first that does not fit
and every one after it fall under the line, also a smaller later one that would still fit
(domain.md §3, methods._fund_in_order). Ties straddling the line are decided by the run's
recorded lottery; until then the page says so.
"""

from dataclasses import dataclass
from enum import StrEnum

from grants.allocation import methods
from grants.allocation.runs import compute
from grants.errors import ValidationFailed
from grants.models import Window

# Any seed will do: only ties at the line depend on it, and those are shown as "lottery".
PREVIEW_SEED = "rangschikking"


class Place(StrEnum):
    ABOVE = "above"
    BELOW = "below"
    LOTTERY = "lottery"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class LineMark:
    place: Place
    # Requested by this application and every sufficient one ranked above it; and what the
    # ceiling leaves after that (negative once past the line).
    cumulative: int | None = None
    room_left: int | None = None


@dataclass(frozen=True)
class RankingLine:
    window: Window
    available: int  # the period's ceiling less what is already committed elsewhere
    marks: dict[int, LineMark]  # by application id


def ranking_line(window: Window) -> RankingLine | None:
    """The line for the applications of ``window`` that the committee has finished scoring
    (assessed); None when the ceiling is below what is already committed."""
    try:
        outcome = compute(window, seed=PREVIEW_SEED)
    except ValidationFailed:
        return None
    available = next(iter(outcome.available.values()))
    requested = {c.application_id: c.requested for c in outcome.candidates}
    lottery = set(outcome.allocation.lottery)
    marks: dict[int, LineMark] = {}
    cumulative = 0
    for result in outcome.allocation.results:
        if result.rank is None:
            marks[result.application_id] = LineMark(Place.INSUFFICIENT)
            continue
        cumulative += requested[result.application_id]
        if result.reference in lottery:
            place = Place.LOTTERY
        elif result.outcome == methods.APPROVED:
            place = Place.ABOVE
        else:
            place = Place.BELOW
        marks[result.application_id] = LineMark(place, cumulative, available - cumulative)
    return RankingLine(window, available, marks)
