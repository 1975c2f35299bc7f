"""Times are stored in UTC and shown in Amsterdam time (the time the law's deadlines use)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def amsterdam(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
              second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=AMSTERDAM)


def to_api(moment: datetime | None) -> str | None:
    """ISO 8601 with the Amsterdam offset: 2014-04-01T09:00:00+02:00."""
    if moment is None:
        return None
    return moment.astimezone(AMSTERDAM).isoformat(timespec="seconds")


def format_moment(moment: datetime | None, locale: str = "nl_NL") -> str:
    if moment is None:
        return ""
    return format_datetime(moment.astimezone(AMSTERDAM), "d MMMM yyyy HH:mm", locale=locale)


def format_day(day: date | datetime | None, locale: str = "nl_NL") -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(AMSTERDAM).date()
    return format_date(day, "d MMMM yyyy", locale=locale)
