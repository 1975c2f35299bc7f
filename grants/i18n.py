"""Languages: Dutch first, English second (Flask-Babel; msgids are the Dutch text).

Pages follow the language chosen with the switch in the header (kept in the session). What
must stay Dutch whatever the reader chose (decision letters, CSV exports, the API) keeps using
the fixed Dutch formatters of grants.money and grants.timefmt and the plain label dicts; the
page filters here translate and format for the page's language.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_decimal
from flask import request, session
from flask_babel import get_locale, gettext

from grants.money import format_eur
from grants.timefmt import format_day, format_moment

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
SESSION_KEY = "language"
# Each language's name in that language itself: a reader who does not know the page's language
# still finds their own.
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def N_(message: str) -> str:  # noqa: N802  (the name gettext tools look for)
    """Marks a Dutch text for the catalog without translating it here.

    For labels kept in plain dicts that letters, exports and the API show in Dutch; pages
    translate them when they show them (``translated`` and the label filters).
    """
    return message


def select_locale() -> str:
    """The language chosen on the site (kept in the session); otherwise Dutch."""
    chosen = session.get(SESSION_KEY) if request else None
    return chosen if chosen in LANGUAGES else DEFAULT


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def translated(text: str | None) -> str:
    """A Dutch label (marked with N_ where it is defined) in the page's language."""
    return gettext(text) if text else ""


def page_eur(cents: int | None) -> str:
    """€ 1.234.567,89 on a Dutch page, €1,234,567.89 on an English one (format_eur keeps each
    amount's text once made)."""
    return format_eur(cents, locale=current_language())


_day_text = lru_cache(maxsize=16_384)(format_day)


def page_day(day: date | datetime | None) -> str:
    """1 oktober 2013 or 1 October 2013, the day in Amsterdam."""
    return _day_text(day, locale=current_language())


def page_moment(moment: datetime | None) -> str:
    """1 oktober 2013 09:00 or 1 October 2013 09:00, in Amsterdam time."""
    return format_moment(moment, locale=current_language())


def page_permille(permille: int | None) -> str:
    """Tenths of a percent as the page's language writes them: 37,5% or 37.5%."""
    if permille is None:
        return ""
    number = format_decimal(Decimal(permille).scaleb(-1), format="#,##0.0",
                            locale=current_language())
    return f"{number}%"


def page_share(part: int, whole: int) -> str:
    """``part`` as a share of ``whole``, rounded down to a tenth of a percent as the budget
    report rounds (Figures.used_permille)."""
    return page_permille(part * 1000 // whole if whole else 0)


def page_number(number: int | Decimal | None) -> str:
    """A count or quantity with the page's separators: 1.234 or 1,234."""
    if number is None:
        return ""
    return format_decimal(number, locale=current_language())
