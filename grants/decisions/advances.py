"""A grant's advances (voorschotten, Awb 4:52) as dated instalments: pure arithmetic.

The grant letter lists the schedule and payments pays by it, so both take it from here
(payments sits above decisions in the layers). The share and the interval are rule parameters of
the scheme (``advance_percent``, ``advance_interval_months``): the ministry's policy, not a rule of
the regulation (shared/domain.md marks them as assumed).
"""

import calendar
import math
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Instalment:
    number: int
    count: int
    due_on: date
    amount_cents: int


def add_months(day: date, months: int) -> date:
    """The same day so many months on, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_spanned(starts_on: date, ends_on: date) -> int:
    """Calendar months from the first day up to and including the last; a part month counts."""
    after = date.fromordinal(ends_on.toordinal() + 1)
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    return max(1, months + (1 if after.day > starts_on.day else 0))


def advance_schedule(granted_cents: int, percent: int, interval_months: int, starts_on: date,
                     ends_on: date, decided_on: date) -> list[Instalment]:
    """Equal instalments of ``percent`` of the grant, the rounding cents on the last.

    Each falls due on the project's start and then every interval, but never before the grant.
    """
    total = granted_cents * int(percent) // 100
    if total <= 0 or interval_months <= 0:
        return []
    count = math.ceil(months_spanned(starts_on, ends_on) / interval_months)
    base = total // count
    amounts = [base] * (count - 1) + [total - base * (count - 1)]
    return [Instalment(number, count,
                       max(add_months(starts_on, (number - 1) * interval_months), decided_on),
                       amount)
            for number, amount in enumerate(amounts, start=1)]
