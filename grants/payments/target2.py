"""The TARGET2 calendar: the days on which a SEPA credit transfer is executed (domain.md §4).

TARGET2 is closed on Saturdays and Sundays and on six fixed holidays: New Year's Day, Good
Friday, Easter Monday, Labour Day (1 May), Christmas Day and Boxing Day. Dutch public
holidays such as King's Day are business days for the payment system; the Algemene
termijnenwet's calendar (grants.workflows.terms) is another calendar for another purpose.
"""

from datetime import date, timedelta

from dateutil.easter import easter

from grants.i18n import N_

DAY = timedelta(days=1)


def closing_days(year: int) -> dict[date, str]:
    """TARGET2's holidays in ``year``, each with its name (a msgid, translated when shown)."""
    easter_sunday = easter(year)
    return {
        date(year, 1, 1): N_("Nieuwjaarsdag"),
        easter_sunday - 2 * DAY: N_("Goede Vrijdag"),
        easter_sunday + DAY: N_("Tweede paasdag"),
        date(year, 5, 1): N_("1 mei"),
        date(year, 12, 25): N_("Eerste kerstdag"),
        date(year, 12, 26): N_("Tweede kerstdag"),
    }


def closed_because(day: date) -> str | None:
    """Why TARGET2 executes nothing on ``day`` (a msgid), or None on a business day."""
    if day.weekday() == 5:
        return N_("zaterdag")
    if day.weekday() == 6:
        return N_("zondag")
    return closing_days(day.year).get(day)


def is_business_day(day: date) -> bool:
    return closed_because(day) is None


def execution_day(requested: date) -> date:
    """The requested day when TARGET2 executes on it, else the next day it does."""
    day = requested
    while not is_business_day(day):
        day += DAY
    return day
