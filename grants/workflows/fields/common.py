"""Shared pieces of the scheme field modules: parsing API input with errors keyed by field path,
and the small date and money helpers their completeness checks need.

A document is described as a mapping of key → ``Field``. ``parse_document`` turns API JSON into
the stored form and ``document_to_api`` turns it back; both follow the same description, so the
two directions cannot drift apart.
"""

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from grants.extensions import db
from grants.models import Organisation
from grants.money import InvalidAmount, cents_to_api, euros

UNKNOWN_FIELD = "Onbekend veld."
REQUIRED = "Dit veld is verplicht."

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DIGITS = re.compile(r"\d+")


class _Invalid:
    """Returned by a parser that has recorded an error: the key is then left out."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


class Errors:
    """Messages per field path ("iban", "measures[2].requested_subsidy"), in the order found."""

    def __init__(self) -> None:
        self._messages: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        messages = self._messages.setdefault(path, [])
        if message not in messages:
            messages.append(message)

    def __contains__(self, path: str) -> bool:
        return path in self._messages

    def __bool__(self) -> bool:
        return bool(self._messages)

    def as_dict(self) -> dict[str, list[str]]:
        return {path: list(messages) for path, messages in self._messages.items()}


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


Parser = Callable[[Any, str, Errors], Any]


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Field:
    """How one key is read from the API (``parse``) and shown to it (``to_api``).

    ``parse`` gets a value that is not null and returns the stored value, ``None`` for "not
    filled in" (an empty string), or ``INVALID`` after adding an error.
    """

    parse: Parser
    to_api: Callable[[Any], Any] = _identity
    items: dict[str, "Field"] | None = None  # set for a list of objects


def parse_document(payload: dict, fields: dict[str, Field], *,
                   partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    if not isinstance(payload, dict):
        raise TypeError("the scheme fields arrive as a dict")
    errors = Errors()
    details = _parse_object(payload, fields, "", errors, keep_null=partial)
    return details, errors.as_dict()


def _parse_object(payload: dict, fields: dict[str, Field], prefix: str, errors: Errors, *,
                  keep_null: bool) -> dict:
    parsed: dict[str, Any] = {}
    for key, value in payload.items():
        path = join(prefix, str(key))
        field = fields.get(key)
        if field is None:
            errors.add(path, UNKNOWN_FIELD)
            continue
        result = None if value is None else field.parse(value, path, errors)
        if result is INVALID:
            continue
        # A null in a PATCH clears the field, so it is passed on; in a full document it is the
        # same as leaving the key out.
        if result is None and not keep_null:
            continue
        parsed[key] = result
    return {key: parsed[key] for key in fields if key in parsed}


def document_to_api(details: dict, fields: dict[str, Field]) -> dict:
    """Every key of the description, absent ones as null (lists as []), so the shape is stable."""
    shown = {}
    for key, field in fields.items():
        value = details.get(key)
        if field.items is not None:
            shown[key] = [document_to_api(item, field.items) for item in value or []]
        else:
            shown[key] = None if value is None else field.to_api(value)
    return shown


# Field kinds --------------------------------------------------------------------------------

def text(max_length: int) -> Field:
    def parse(value, path, errors):
        if not isinstance(value, str):
            errors.add(path, "Geef hier tekst op.")
            return INVALID
        value = value.strip()
        if len(value) > max_length:
            errors.add(path, f"Gebruik hoogstens {max_length} tekens (nu {len(value)}).")
            return INVALID
        return value or None

    return Field(parse)


def choice(values: list[str]) -> Field:
    def parse(value, path, errors):
        if isinstance(value, str) and not value.strip():
            return None
        if not isinstance(value, str) or value not in values:
            shown = ", ".join(values)
            errors.add(path, f"Kies een van deze waarden: {shown}.")
            return INVALID
        return value

    return Field(parse)


def integer(minimum: int | None = None, *, maximum: int | None = None,
            what: str = "een geheel getal") -> Field:
    """A whole number; a string of digits is taken too, as spreadsheets and CSV give them."""

    def parse(value, path, errors):
        if isinstance(value, str) and not value.strip():
            return None  # an empty spreadsheet cell: not filled in
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            number = None
        if number is None:
            errors.add(path, f"Geef {what} op.")
            return INVALID
        if minimum is not None and number < minimum:
            errors.add(path, f"Dit moet ten minste {minimum} zijn.")
            return INVALID
        if maximum is not None and number > maximum:
            errors.add(path, f"Dit mag hoogstens {maximum} zijn.")
            return INVALID
        return number

    return Field(parse)


def digits(min_length: int, max_length: int, message: str) -> Field:
    """A number that is an identifier: kept as text, so leading zeros stay."""

    def parse(value, path, errors):
        if not isinstance(value, str):
            errors.add(path, message)
            return INVALID
        value = value.strip()
        if not value:
            return None
        if not (_DIGITS.fullmatch(value) and min_length <= len(value) <= max_length):
            errors.add(path, message)
            return INVALID
        return value

    return Field(parse)


def money() -> Field:
    """Euros as a decimal string ("2700.00") in, int cents stored; never a JSON number."""

    def parse(value, path, errors):
        if not isinstance(value, str):
            errors.add(path, 'Geef het bedrag als tekst in euro\'s met een punt voor de centen, '
                             'bijvoorbeeld "2700.00".')
            return INVALID
        if not value.strip():
            return None
        try:
            cents = euros(value)
        except InvalidAmount:
            errors.add(path, 'Dit is geen bedrag in euro\'s: gebruik cijfers met hoogstens twee '
                             'decimalen achter een punt, bijvoorbeeld "2700.00".')
            return INVALID
        if cents < 0:
            errors.add(path, "Een bedrag kan niet negatief zijn.")
            return INVALID
        return cents

    return Field(parse, to_api=cents_to_api)


def iso_date() -> Field:
    def parse(value, path, errors):
        if not isinstance(value, str):
            errors.add(path, "Geef de datum op als JJJJ-MM-DD, bijvoorbeeld 2014-08-01.")
            return INVALID
        value = value.strip()
        if not value:
            return None
        if not _ISO_DATE.fullmatch(value):
            errors.add(path, "Geef de datum op als JJJJ-MM-DD, bijvoorbeeld 2014-08-01.")
            return INVALID
        try:
            date.fromisoformat(value)
        except ValueError:
            errors.add(path, f"{value} is geen bestaande datum.")
            return INVALID
        return value

    return Field(parse)


def list_of(items: dict[str, Field], *, most: int, what: str) -> Field:
    """A list of objects; it replaces the stored list whole, so each item is parsed in full.
    ``most`` caps its length (named with ``what``, a plural): beyond any real application, it
    keeps one request from making the server parse and store without end."""

    def parse(value, path, errors):
        if not isinstance(value, list):
            errors.add(path, "Geef hier een lijst op.")
            return INVALID
        if len(value) > most:
            errors.add(path, f"Een aanvraag heeft hoogstens {most:,} {what}; deze heeft er "
                             f"{len(value):,}.".replace(",", "."))
            return INVALID
        parsed = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                errors.add(item_path, "Geef hier een object met velden op.")
                continue
            parsed.append(_parse_object(item, items, item_path, errors, keep_null=False))
        return parsed

    return Field(parse, items=items)


# Completeness helpers -----------------------------------------------------------------------

def blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def require(details: dict, keys: list[str], errors: Errors, prefix: str = "") -> None:
    for key in keys:
        if blank(details.get(key)):
            errors.add(join(prefix, key), REQUIRED)


def listed(details: dict, key: str) -> list[dict]:
    """The stored list under ``key``, skipping anything that is not an object."""
    return [item for item in details.get(key) or [] if isinstance(item, dict)]


def with_defaults(rules: dict | None, defaults: dict) -> dict:
    """An admin's rules may predate a parameter added later; its default then applies."""
    return {**defaults, **(rules or {})}


def exact(value: int | str | Fraction) -> Fraction:
    """A rule parameter as an exact number; ``str`` first, so 1.5 stays one and a half."""
    return Fraction(str(value)) if not isinstance(value, int | Fraction) else Fraction(value)


def format_number(value: Fraction) -> str:
    """Dutch notation for a rule parameter in a message: 2, 1,5, 33,333."""
    if value.denominator == 1:
        return str(value.numerator)
    return format_decimal(Decimal(value.numerator) / Decimal(value.denominator), locale="nl_NL")


def as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def format_day(day: date) -> str:
    """Dutch long notation: 31 december 2015."""
    return format_date(day, format="long", locale="nl_NL")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; a day the month lacks becomes its last (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def check_period(details: dict, errors: Errors, *, max_months: int | None,
                 prefix: str = "", what: str = "Het project") -> tuple[date | None, date | None]:
    """starts_on and ends_on present, in order, and no longer than ``max_months``.

    The longest allowed period ends the day before the same date ``max_months`` later:
    1 January 2014 with 24 months may end on 31 December 2015 at the latest.
    """
    require(details, ["starts_on", "ends_on"], errors, prefix)
    starts_on, ends_on = as_date(details.get("starts_on")), as_date(details.get("ends_on"))
    if starts_on is None or ends_on is None:
        return starts_on, ends_on
    if ends_on < starts_on:
        errors.add(join(prefix, "ends_on"), "De einddatum ligt vóór de begindatum.")
    elif max_months is not None:
        latest = add_months(starts_on, max_months) - timedelta(days=1)
        if ends_on > latest:
            errors.add(join(prefix, "ends_on"),
                       f"{what} duurt hoogstens {max_months} maanden: de einddatum mag niet "
                       f"later zijn dan {format_day(latest)}.")
    return starts_on, ends_on


def check_budget_period(details: dict, rules: dict, errors: Errors, *,
                        what: str = "Het project") -> None:
    """The period lies within the budget's (``budget_starts_on``/``budget_ends_on`` in the
    rules, frozen from the budget). Rules frozen before they held the period are not checked."""
    first, last = as_date(rules.get("budget_starts_on")), as_date(rules.get("budget_ends_on"))
    starts_on, ends_on = as_date(details.get("starts_on")), as_date(details.get("ends_on"))
    if first is not None and starts_on is not None and starts_on < first:
        errors.add("starts_on", f"{what} moet binnen de looptijd van het budget vallen: de "
                                f"begindatum mag niet eerder zijn dan {format_day(first)}.")
    if last is not None and ends_on is not None and ends_on > last:
        errors.add("ends_on", f"{what} moet binnen de looptijd van het budget vallen: de "
                              f"einddatum mag niet later zijn dan {format_day(last)}.")


def organisation(organisation_id: Any) -> Organisation | None:
    if isinstance(organisation_id, bool) or not isinstance(organisation_id, int):
        return None
    return db.session.get(Organisation, organisation_id)
