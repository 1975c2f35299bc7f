"""Counting terms as the law counts them (domain.md §4, "Counting terms").

- Algemene termijnenwet (art. 1 and 3): a statutory term that ends on a Saturday, Sunday or
  recognised holiday runs to the next day that is none of these. The holidays the law names are
  computed here; the days a royal decree makes equal to them are data (``statutory_days_off``,
  kept by admins) and are passed to these functions as ``extra``.
- Awb 4:15: the decision term stands still from the day after the request for information up to
  (not including) the day the information arrives, and only while the term runs.
- Awb 6:9: an objection posted before its term ended and received within a week after it is on
  time.

Everything here is a pure function of dates, except ``days_off``, which reads the royal-decree
days from the database.
"""

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

import sqlalchemy as sa
from dateutil.easter import easter

from grants.extensions import db
from grants.i18n import N_
from grants.models import StatutoryDayOff

DAY = timedelta(days=1)
# The week after the objection term in which an objection posted in time may still arrive.
POSTAL_GRACE = timedelta(weeks=1)


def _kings_day(year: int) -> tuple[date, str]:
    # Since 2014 the King's birthday (27 April); before, the Queen's day (30 April). Falling on
    # a Sunday, it is kept the day before.
    day, name = ((date(year, 4, 27), N_("Koningsdag")) if year >= 2014
                 else (date(year, 4, 30), N_("Koninginnedag")))
    return (day - DAY if day.weekday() == 6 else day), name


@cache
def holidays(year: int) -> Mapping[date, str]:
    """The recognised holidays of the Algemene termijnenwet (art. 3) in ``year``, by name."""
    easter_sunday = easter(year)
    kings_day, kings_name = _kings_day(year)
    return MappingProxyType({
        date(year, 1, 1): N_("Nieuwjaarsdag"),
        easter_sunday - 2 * DAY: N_("Goede Vrijdag"),
        easter_sunday + DAY: N_("Tweede paasdag"),
        kings_day: kings_name,
        date(year, 5, 5): N_("Bevrijdingsdag"),
        easter_sunday + 39 * DAY: N_("Hemelvaartsdag"),
        easter_sunday + 50 * DAY: N_("Tweede pinksterdag"),
        date(year, 12, 25): N_("Eerste kerstdag"),
        date(year, 12, 26): N_("Tweede kerstdag"),
    })


def day_off_name(day: date, extra: Collection[date] = ()) -> str | None:
    """Why no term ends on ``day`` (in Dutch, marked for pages to translate), or None for a
    day a term can end on."""
    if day in holidays(day.year):
        return holidays(day.year)[day]
    if day in extra:
        return N_("bij koninklijk besluit gelijkgestelde dag")
    if day.weekday() == 5:
        return N_("zaterdag")
    if day.weekday() == 6:
        return N_("zondag")
    return None


def is_day_off(day: date, extra: Collection[date] = ()) -> bool:
    return day.weekday() >= 5 or day in holidays(day.year) or day in extra


def statutory_end(day: date, extra: Collection[date] = ()) -> date:
    """The day a statutory term that ends on ``day`` really ends (Algemene termijnenwet art. 1)."""
    while is_day_off(day, extra):
        day += DAY
    return day


def term_after(start: date, *, weeks: int = 0, days: int = 0,
               extra: Collection[date] = ()) -> date:
    """The last day of a statutory term of ``weeks`` and ``days`` counted from ``start`` (the
    day of the event; the term runs from the day after), moved off days off."""
    return statutory_end(start + timedelta(weeks=weeks, days=days), extra)


def after_suspension(requested_on: date, supplied_on: date, *, counts_from: date,
                     ends_on: date, extra: Collection[date] = ()) -> tuple[int, date, date]:
    """Awb 4:15 for a decision term whose first day is ``counts_from`` and whose own last day
    is ``ends_on``: the days it stood still, its own new last day, and the day it is due.

    It stands still from the day after the request up to (not including) the day the
    information arrives, but only from the day the term runs and not once it has run out: a
    request before the term started moves nothing for the days before it.
    """
    due_on = statutory_end(ends_on, extra)
    first = max(requested_on + DAY, counts_from)
    if first > due_on or supplied_on <= first:
        return 0, ends_on, due_on
    days = (supplied_on - first).days
    # The days are added to the term's own end, not to the day the Algemene termijnenwet moved
    # it to: the earlier (safe) reading. Only a request in those added days, after the own end,
    # suspends the term as moved.
    base = ends_on if first <= ends_on else due_on
    new_end = base + timedelta(days=days)
    return days, new_end, statutory_end(new_end, extra)


def objection_in_time(received_on: date, term_ends_on: date, postmarked_on: date | None,
                      extra: Collection[date] = ()) -> bool:
    """Awb 6:7 and 6:9: received within the term, or posted within it and received within a
    week after it (a statutory term too, so moved off days off like the others)."""
    if received_on <= term_ends_on:
        return True
    return (postmarked_on is not None and postmarked_on <= term_ends_on
            and received_on <= statutory_end(term_ends_on + POSTAL_GRACE, extra))


def days_off() -> frozenset[date]:
    """The days a royal decree made equal to a recognised holiday (admin-kept data)."""
    read = db.session.info.get(DAYS_OFF_READ)
    if read is not None:
        return read
    return frozenset(db.session.scalars(sa.select(StatutoryDayOff.day)))


# The days off as read once for many firings together, while they last.
DAYS_OFF_READ = "grants.workflows.days_off"


@contextmanager
def days_off_read_once() -> Iterator[None]:
    """Within: ``days_off`` reads the table once, not once per term counted. For many firings
    together (grants.workflows.engine.fire_many), none of which changes the days off: a query
    per firing would also write out the batch's pending changes each time."""
    session = db.session()
    if DAYS_OFF_READ in session.info:
        yield
        return
    session.info[DAYS_OFF_READ] = days_off()
    try:
        yield
    finally:
        session.info.pop(DAYS_OFF_READ, None)
