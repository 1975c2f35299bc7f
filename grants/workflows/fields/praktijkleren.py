"""Praktijkleren: an employer's realised work-placement places in one study year (domain.md §2).

A place counts as a fraction: weeks supervised ÷ the category's weeks for a full place, at most
one per student per year. The allocation run later turns the fractions into money pro rata.
"""

import math
import re
from datetime import date
from fractions import Fraction

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError

from grants.models import PlaceCategory
from grants.workflows.fields.common import (
    INVALID,
    Errors,
    Field,
    check_period,
    choice,
    digits,
    document_to_api,
    format_day,
    integer,
    iso_date,
    list_of,
    listed,
    parse_document,
    require,
    text,
    with_defaults,
)

DEFAULT_RULES = {
    "weeks_per_place": {"vmbo": 40, "mbo": 40, "hbo": 42, "promovendus": 40},
    "rate_cap_cents": 270000,
}

CATEGORIES = [category.value for category in PlaceCategory]

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}")
_STUDY_YEAR = re.compile(r"(\d{4})-(\d{4})")
_PROGRAMME_NAMES = {"mbo": "crebocode", "hbo": "crohocode", "promovendus": "crohocode"}


def _parse_iban(value, path, errors):
    if not isinstance(value, str):
        errors.add(path, "Geef de IBAN als tekst op, bijvoorbeeld NL91ABNA0417164300.")
        return INVALID
    number = stdnum_iban.compact(value)
    if not number:
        return None
    if not _IBAN_SHAPE.fullmatch(number):
        errors.add(path, "Een IBAN begint met een landcode van twee letters en twee "
                         "controlecijfers, gevolgd door letters en cijfers, bijvoorbeeld "
                         "NL91ABNA0417164300.")
        return INVALID
    try:
        return stdnum_iban.validate(number)
    except InvalidChecksum:
        message = ("De controlecijfers van deze IBAN kloppen niet: er zit waarschijnlijk een "
                   "tikfout in het nummer.")
    except InvalidLength:
        message = f"Deze IBAN heeft niet het juiste aantal tekens voor landcode {number[:2]}."
    except InvalidComponent:
        message = f"{number[:2]} is geen landcode die IBAN gebruikt."
    except ValidationError:
        message = f"Deze IBAN heeft niet de opbouw van een IBAN uit landcode {number[:2]}."
    errors.add(path, message)
    return INVALID


SPEC: dict[str, Field] = {
    "employer_id": digits(1, 10, "Het nummer van het erkend leerbedrijf bestaat uit 1 tot 10 "
                                 "cijfers."),
    "iban": Field(_parse_iban),
    "places": list_of({
        "student_name": text(200),
        "category": choice(CATEGORIES),
        "programme_code": digits(5, 5, "Een crebo- of crohocode bestaat uit 5 cijfers."),
        "school": text(200),
        "starts_on": iso_date(),
        "ends_on": iso_date(),
        "weeks": integer(minimum=1, what="het aantal weken als geheel getal"),
    }),
}


def parse(payload: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    return parse_document(payload, SPEC, partial=partial)


def to_api(details: dict) -> dict:
    return document_to_api(details, SPEC)


def _weeks_per_place(rules: dict | None) -> dict[str, int]:
    given = (rules or {}).get("weeks_per_place") or {}
    return {**DEFAULT_RULES["weeks_per_place"], **given}


def _fraction(place: dict, weeks_per_place: dict[str, int]) -> Fraction | None:
    """The place's share of a full place, capped at one; None while category or weeks is open."""
    category, weeks = place.get("category"), place.get("weeks")
    if category not in weeks_per_place or not isinstance(weeks, int) or weeks < 0:
        return None
    return min(Fraction(weeks, weeks_per_place[category]), Fraction(1))


def fractions(details: dict, rules: dict) -> dict[str, Fraction]:
    """Per category, the sum of the places' fractions (exact); every category is present."""
    weeks_per_place = _weeks_per_place(rules)
    totals = {category: Fraction(0) for category in weeks_per_place}
    for place in listed(details, "places"):
        fraction = _fraction(place, weeks_per_place)
        if fraction is not None:
            totals[place["category"]] += fraction
    return totals


def requested_cents(details: dict, rules: dict | None = None) -> int:
    """The most the places can bring: each at the full rate × its fraction, down to the cent."""
    rules = with_defaults(rules, DEFAULT_RULES)
    weeks_per_place = _weeks_per_place(rules)
    rate = rules["rate_cap_cents"]
    total = 0
    for place in listed(details, "places"):
        fraction = _fraction(place, weeks_per_place)
        if fraction is not None:
            total += math.floor(rate * fraction)
    return total


def study_year(window_code: str) -> tuple[date, date] | None:
    """The study year a window code names: "2013-2014" is 1 August 2013 to 31 July 2014."""
    match = _STUDY_YEAR.fullmatch(window_code or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        return None
    first = int(match[1])
    return date(first, 8, 1), date(first + 1, 7, 31)


def check_complete(details: dict, rules: dict, *, window_code: str) -> dict[str, list[str]]:
    rules = with_defaults(rules, DEFAULT_RULES)
    weeks_per_place = _weeks_per_place(rules)
    errors = Errors()
    require(details, ["employer_id", "iban"], errors)
    year = study_year(window_code)
    if year is None:
        errors.add("window", f"Het aanvraagtijdvak {window_code!r} noemt geen studiejaar "
                             f"(zoals 2013-2014).")
    places = listed(details, "places")
    if not places:
        errors.add("places", "Voeg ten minste één plaats toe.")
    for index, place in enumerate(places):
        _check_place(place, f"places[{index}]", weeks_per_place, year, errors)
    _check_students(places, weeks_per_place, errors)
    return errors.as_dict()


def _check_place(place: dict, prefix: str, weeks_per_place: dict[str, int],
                 year: tuple[date, date] | None, errors: Errors) -> None:
    require(place, ["student_name", "category", "school", "weeks"], errors, prefix)
    category = place.get("category")
    if category in _PROGRAMME_NAMES and not place.get("programme_code"):
        errors.add(f"{prefix}.programme_code",
                   f"Vul de {_PROGRAMME_NAMES[category]} van de opleiding in.")
    weeks = place.get("weeks")
    if isinstance(weeks, int):
        if weeks < 1:
            errors.add(f"{prefix}.weeks", "Het aantal weken is ten minste 1.")
        elif category in weeks_per_place and weeks > weeks_per_place[category]:
            errors.add(f"{prefix}.weeks",
                       f"Een volledige {category}-plaats telt {weeks_per_place[category]} weken; "
                       f"meer weken tellen niet mee.")
    starts_on, ends_on = check_period(place, errors, max_months=None, prefix=prefix)
    if year is None or starts_on is None or ends_on is None or ends_on < starts_on:
        return
    first, last = year
    if ends_on < first:
        errors.add(f"{prefix}.ends_on", f"De plaats eindigt vóór het studiejaar, dat loopt van "
                                        f"{format_day(first)} tot en met {format_day(last)}.")
    elif starts_on > last:
        errors.add(f"{prefix}.starts_on", f"De plaats begint na het studiejaar, dat loopt van "
                                          f"{format_day(first)} tot en met {format_day(last)}.")


def student_key(place: dict) -> tuple[str, str | None] | None:
    name = place.get("student_name")
    if not isinstance(name, str) or not name.strip():
        return None
    return " ".join(name.split()).casefold(), place.get("programme_code")


def _check_students(places: list[dict], weeks_per_place: dict[str, int],
                    errors: Errors) -> None:
    """A student counts for at most one full place a year, over all their places together.

    Places are taken in order of their start (then of listing); the ones that push the total
    over one are the ones marked.
    """
    order = sorted(range(len(places)),
                   key=lambda index: (places[index].get("starts_on") or "", index))
    counted: dict[tuple[str, str | None], Fraction] = {}
    for index in order:
        place = places[index]
        key, fraction = student_key(place), _fraction(place, weeks_per_place)
        if key is None or fraction is None:
            continue
        counted[key] = counted.get(key, Fraction(0)) + fraction
        if counted[key] > 1:
            errors.add(f"places[{index}].weeks",
                       "Samen met een eerdere plaats telt deze student voor meer dan één "
                       "volledige plaats in het studiejaar; verlaag het aantal weken.")
