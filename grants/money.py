"""Money is integer cents everywhere inside; these are the only ways in and out."""

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency

# ASCII digits only: \d would also take other scripts' digits ("٥٠٠.00"), which Decimal reads.
_API_AMOUNT = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,2})?")


class InvalidAmount(ValueError):
    pass


def format_eur(cents: int | None, locale: str = "nl_NL") -> str:
    """Dutch notation by default: € 1.234.567,89."""
    if cents is None:
        return ""
    return _formatted(cents, locale)


def _format(cents: int, locale: str) -> str:
    return format_currency(Decimal(cents).scaleb(-2), "EUR", locale=locale)


# Babel spends ~60 µs on each amount (it parses the locale and the pattern every time), and a
# letter, a page of the queue or an allocation run's thousands of decisions show the same
# amounts again and again. The text is a function of the amount and the locale alone.
_formatted = lru_cache(maxsize=16_384)(_format)


def cents_to_api(cents: int | None) -> str | None:
    """The API's decimal string in euros with two decimals: 2700.00."""
    if cents is None:
        return None
    return f"{Decimal(cents).scaleb(-2):.2f}"


def euros(amount: str | int) -> int:
    """Cents from a whole-euro figure or an API decimal string ("205000000", "2700.00")."""
    text = str(amount).strip()
    if not _API_AMOUNT.fullmatch(text):
        raise InvalidAmount(f"{amount!r} is geen bedrag in euro's met hoogstens twee decimalen")
    return int(Decimal(text).scaleb(2))
