"""Praktijkleren: an employer's realised work-placement places in one study year (domain.md §2).

A place counts as a fraction of a full place: weeks supervised ÷ the category's weeks for a full
place, or for promovendi and toio's months enrolled ÷ 12 × min(hours a week, 36) ÷ 36 (Stcrt
2013, 31130, art. 1(c) and 1(d)). A student counts for at most one full place a year. The
allocation run later turns the fractions into money pro rata; every use of a fraction (the
requested amount, the run, the letters, the places CSV) goes through ``fractions`` here.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError

from grants.models import PlaceCategory
from grants.money import InvalidAmount, euros, format_eur
from grants.workflows.fields.common import (
    INVALID,
    Errors,
    Field,
    add_months,
    as_date,
    check_period,
    choice,
    digits,
    document_to_api,
    exact,
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
    # Art. 1(c): weeks of supervision that make a full place.
    "weeks_per_place": {"vmbo": 40, "mbo": 40, "hbo": 42},
    # Art. 1(d): a promovendus or toio counts months ÷ 12 × min(hours a week, 36) ÷ 36.
    "months_per_year": 12,
    "promovendus_full_hours": 36,
    "rate_cap_cents": 270000,
}

# Counted by months and hours instead of weeks (art. 1(d)).
BY_MONTHS = "promovendus"
# Only an mbo (BBL) place needs an erkend leerbedrijf (domain.md §2).
NEEDS_RECOGNISED_FIRM = frozenset({"mbo"})

CATEGORIES = [category.value for category in PlaceCategory]

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}")
_STUDY_YEAR = re.compile(r"(\d{4})-(\d{4})")
_PROGRAMME_NAMES = {"mbo": "crebocode", "hbo": "crohocode", "promovendus": "crohocode"}
_TO_LOWER = {"weeks": "het aantal weken", "months": "het aantal maanden of uren per week"}


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


# The longest lists an application may hold: beyond any real one (the API documents them).
MOST_PLACES = 100_000


SPEC: dict[str, Field] = {
    "employer_id": digits(1, 10, "Het nummer van het erkend leerbedrijf bestaat uit 1 tot 10 "
                                 "cijfers."),
    "iban": Field(_parse_iban),
    "places": list_of({
        "student_name": text(200),
        "date_of_birth": iso_date(),
        "student_number": text(20),
        "category": choice(CATEGORIES),
        "programme_code": digits(5, 5, "Een crebo- of crohocode bestaat uit 5 cijfers."),
        "school": text(200),
        "starts_on": iso_date(),
        "ends_on": iso_date(),
        "weeks": integer(minimum=1, what="het aantal weken als geheel getal"),
        "months": integer(minimum=1, maximum=12, what="het aantal maanden als geheel getal"),
        "hours_per_week": integer(minimum=1, maximum=80,
                                  what="het aantal uren per week als geheel getal"),
    }, most=MOST_PLACES, what="plaatsen"),
}


def parse(payload: dict, *, partial: bool = False) -> tuple[dict, dict[str, list[str]]]:
    return parse_document(payload, SPEC, partial=partial)


def to_api(details: dict) -> dict:
    return document_to_api(details, SPEC)


# Fractions --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Units:
    """What a full place is, from the rules (an admin's older rules get today's defaults)."""

    weeks_per_place: dict[str, int]
    months_per_year: Fraction
    full_hours: Fraction

    @classmethod
    def of(cls, rules: dict | None) -> "Units":
        rules = with_defaults(rules, DEFAULT_RULES)
        weeks = {**DEFAULT_RULES["weeks_per_place"], **(rules.get("weeks_per_place") or {})}
        weeks.pop(BY_MONTHS, None)  # older rules counted promovendi in weeks
        return cls(weeks, exact(rules["months_per_year"]), exact(rules["promovendus_full_hours"]))


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def place_fraction(place: dict, units: Units) -> Fraction | None:
    """One place on its own, at most one full place; None while a figure it needs is open."""
    category = place.get("category")
    if category == BY_MONTHS:
        months, hours = place.get("months"), place.get("hours_per_week")
        if not (_count(months) and _count(hours)):
            return None
        fraction = (Fraction(months) / units.months_per_year
                    * min(Fraction(hours), units.full_hours) / units.full_hours)
    elif category in units.weeks_per_place:
        weeks = place.get("weeks")
        if not _count(weeks):
            return None
        fraction = Fraction(weeks, units.weeks_per_place[category])
    else:
        return None
    return min(fraction, Fraction(1))


def counting_order(places: list[dict]) -> list[int]:
    """A student's places count in the order they started (then as listed)."""
    return sorted(range(len(places)), key=lambda index: (places[index].get("starts_on") or "",
                                                         index))


def place_fractions(places: list[dict], rules: dict | None) -> list[Fraction | None]:
    """Each place's share, one student's places together capped at one full place a year.

    In counting order, a place beyond one counts for what is left of it (possibly nothing).
    """
    units = Units.of(rules)
    own = [place_fraction(place, units) for place in places]
    student_of = students(places)
    counted: dict[int, Fraction] = {}
    shares: list[Fraction | None] = [None] * len(places)
    for index in counting_order(places):
        fraction, student = own[index], student_of[index]
        if fraction is None or student is None:
            shares[index] = fraction
            continue
        before = counted.get(student, Fraction(0))
        shares[index] = max(Fraction(0), min(fraction, 1 - before))
        counted[student] = before + fraction
    return shares


def fractions(details: dict, rules: dict) -> dict[str, Fraction]:
    """Per category, the sum of the places' fractions (exact); every category is present."""
    places = listed(details, "places")
    totals = {category: Fraction(0) for category in CATEGORIES}
    for place, fraction in zip(places, place_fractions(places, rules), strict=True):
        if fraction is not None:
            totals[place["category"]] += fraction
    return totals


def requested_cents(details: dict, rules: dict | None = None) -> int:
    """The most the places can bring: each at the full rate × its fraction, down to the cent."""
    rate = with_defaults(rules, DEFAULT_RULES)["rate_cap_cents"]
    places = listed(details, "places")
    return sum(math.floor(rate * fraction) for fraction in place_fractions(places, rules)
               if fraction is not None)


def fractions_of(firing) -> dict[str, Fraction]:
    """``fractions`` of the application a firing (grants.workflows.engine.Firing) fires on, by
    its frozen rules; computed once a firing, as its amounts' guard and its letter both ask."""
    return firing.derived("place_fractions", lambda: fractions(firing.application.details or {},
                                                               firing.params))


def rate_amounts(places: dict[str, Fraction], rules: dict) -> dict[str, int]:
    """Per category with places (as ``fractions`` counts them): the rate cap times its places,
    rounded down to the cent."""
    cap = rules["rate_cap_cents"]
    return {category: int(cap * fraction) for category, fraction in places.items() if fraction}


def amounts_per_category(given: dict, limits: dict[str, int]) -> tuple[dict[str, int],
                                                                      dict[str, list[str]]]:
    """Amounts settled per category as given (``{"mbo": "2700.00"}``), each at most its limit
    (the full rate for the application's places there): the amounts in cents and the errors,
    per field ``amounts.<category>``, of those that are not."""
    amounts, errors = {}, {}
    for category, value in given.items():
        path = f"amounts.{category}"
        try:
            cents = euros(value) if isinstance(value, str) else None
        except InvalidAmount:
            cents = None
        if category not in limits:
            errors[path] = ["Deze aanvraag heeft geen plaatsen in deze categorie."]
        elif cents is None or cents < 0:
            errors[path] = ["Een bedrag in euro's als \"2700.00\"."]
        elif cents > limits[category]:
            errors[path] = [f"Hoogstens {format_eur(limits[category])} voor deze plaatsen "
                            "(het volle tarief)."]
        else:
            amounts[category] = cents
    return amounts, errors


# The same student -------------------------------------------------------------------------------

def identities(place: dict) -> list[tuple]:
    """What identifies the student of a place, within its programme: the student number, and the
    name with the date of birth.

    Assumed: a name without a date of birth only matches the same name without one, so that
    two namesakes are told apart as soon as either gives a date of birth or a student number.
    """
    programme = place.get("programme_code")
    found = []
    number = place.get("student_number")
    if isinstance(number, str) and number.strip():
        found.append(("number", programme, "".join(number.split()).casefold()))
    name = place.get("student_name")
    if isinstance(name, str) and name.strip():
        found.append(("name", programme, " ".join(name.split()).casefold(),
                      place.get("date_of_birth")))
    return found


def students(places: list[dict]) -> list[int | None]:
    """Per place, its student: the index of that student's first place in the list (None
    without a name or number). Places sharing a number, or a name and date of birth, are one
    student, also through a third place (A shares the number with B, B the name with C)."""
    parent = list(range(len(places)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_with: dict[tuple, int] = {}
    known = [False] * len(places)
    for index, place in enumerate(places):
        for identity in identities(place):
            known[index] = True
            other = first_with.setdefault(identity, index)
            low, high = sorted((root(index), root(other)))
            parent[high] = low
    return [root(index) if known[index] else None for index in range(len(places))]


@dataclass
class Elsewhere:
    """A student's count in other applications: the share and where it is (as given)."""

    share: Fraction = Fraction(0)
    sources: list = field(default_factory=list)


def places_over_one(places: list[dict], rules: dict | None,
                    elsewhere: list[tuple[dict, Fraction, object]] = ()) -> dict[int, Elsewhere]:
    """The places that take their student over one full place in the study year.

    ``elsewhere`` holds places in other applications (place, its share there, where it is),
    counted before these. Each place returned comes with what its student counts for elsewhere
    (nothing when the excess lies within ``places`` alone).
    """
    units = Units.of(rules)
    combined = [place for place, _share, _source in elsewhere] + list(places)
    student_of = students(combined)
    found: dict[int, Elsewhere] = {}
    for index, (_place, share, source) in enumerate(elsewhere):
        if (student := student_of[index]) is not None:
            counted = found.setdefault(student, Elsewhere())
            counted.share += share
            if source not in counted.sources:
                counted.sources.append(source)
    totals = {student: counted.share for student, counted in found.items()}
    over: dict[int, Elsewhere] = {}
    for index in counting_order(places):
        student = student_of[len(elsewhere) + index]
        fraction = place_fraction(places[index], units)
        if fraction is None or student is None:
            continue
        totals[student] = totals.get(student, Fraction(0)) + fraction
        if totals[student] > 1:
            over[index] = found.get(student, Elsewhere())
    return over


def size_field(place: dict) -> str:
    """The field that says how much a place counts for: months (promovendus) or weeks."""
    return "months" if place.get("category") == BY_MONTHS else "weeks"


# Completeness -----------------------------------------------------------------------------------

def study_year(window_code: str) -> tuple[date, date] | None:
    """The study year a window code names: "2013-2014" is 1 August 2013 to 31 July 2014."""
    match = _STUDY_YEAR.fullmatch(window_code or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        return None
    first = int(match[1])
    return date(first, 8, 1), date(first + 1, 7, 31)


def check_complete(details: dict, rules: dict, *, window_code: str) -> dict[str, list[str]]:
    units = Units.of(rules)
    errors = Errors()
    places = listed(details, "places")
    require(details, ["iban"], errors)
    if any(place.get("category") in NEEDS_RECOGNISED_FIRM for place in places):
        require(details, ["employer_id"], errors)
    year = study_year(window_code)
    if year is None:
        errors.add("window", f"Het aanvraagtijdvak {window_code!r} noemt geen studiejaar "
                             f"(zoals 2013-2014).")
    if not places:
        errors.add("places", "Voeg ten minste één plaats toe.")
    for index, place in enumerate(places):
        _check_place(place, f"places[{index}]", units, year, errors)
    for index in places_over_one(places, rules):
        size = size_field(places[index])
        errors.add(f"places[{index}].{size}", "Samen met een eerdere plaats telt deze student "
                   "voor meer dan één volledige plaats in het studiejaar; verlaag "
                   f"{_TO_LOWER[size]}.")
    return errors.as_dict()


def _check_place(place: dict, prefix: str, units: Units, year: tuple[date, date] | None,
                 errors: Errors) -> None:
    category = place.get("category")
    require(place, ["student_name", "category", "school"], errors, prefix)
    if category in _PROGRAMME_NAMES and not place.get("programme_code"):
        errors.add(f"{prefix}.programme_code",
                   f"Vul de {_PROGRAMME_NAMES[category]} van de opleiding in.")
    if category == BY_MONTHS:
        require(place, ["months", "hours_per_week"], errors, prefix)
        if place.get("weeks") is not None:
            errors.add(f"{prefix}.weeks", "Een promovendus of toio telt in maanden en uren per "
                                          "week, niet in weken: laat de weken leeg.")
    elif category in units.weeks_per_place:
        require(place, ["weeks"], errors, prefix)
        for key in ("months", "hours_per_week"):
            if place.get(key) is not None:
                errors.add(f"{prefix}.{key}",
                           f"Alleen een promovendus of toio telt in maanden en uren per week; "
                           f"een {category}-plaats telt in weken: laat dit veld leeg.")
        weeks, full = place.get("weeks"), units.weeks_per_place[category]
        if _count(weeks) and weeks > full:
            errors.add(f"{prefix}.weeks", f"Een volledige {category}-plaats telt {full} weken; "
                                          f"meer weken tellen niet mee.")
    starts_on, ends_on = check_period(place, errors, max_months=None, prefix=prefix)
    birth = as_date(place.get("date_of_birth"))
    if birth is not None and starts_on is not None and birth >= starts_on:
        errors.add(f"{prefix}.date_of_birth", "De geboortedatum ligt niet vóór het begin van de "
                                              "plaats.")
    if year is None or starts_on is None or ends_on is None or ends_on < starts_on:
        return
    first, last = year
    if ends_on < first:
        errors.add(f"{prefix}.ends_on", f"De plaats eindigt vóór het studiejaar, dat loopt van "
                                        f"{format_day(first)} tot en met {format_day(last)}.")
    elif starts_on > last:
        errors.add(f"{prefix}.starts_on", f"De plaats begint na het studiejaar, dat loopt van "
                                          f"{format_day(first)} tot en met {format_day(last)}.")
    else:
        _check_within_period(place, prefix, max(starts_on, first), min(ends_on, last), errors)


def _check_within_period(place: dict, prefix: str, first: date, last: date,
                         errors: Errors) -> None:
    """Weeks (or months) claimed fit in the part of the contract that lies in the study year.

    Assumed: a started week (month) counts as a whole one, so 1 to 8 September is two weeks.
    """
    period = f"{format_day(first)} tot en met {format_day(last)}"
    weeks, months = place.get("weeks"), place.get("months")
    if place.get("category") != BY_MONTHS and _count(weeks):
        available = math.ceil(((last - first).days + 1) / 7)
        if weeks > available:
            errors.add(f"{prefix}.weeks",
                       f"{weeks} weken is meer dan de {available} weken die de plaats in het "
                       f"studiejaar loopt ({period}; een begonnen week telt als hele week).")
    elif place.get("category") == BY_MONTHS and _count(months):
        available = started_months(first, last)
        if months > available:
            errors.add(f"{prefix}.months",
                       f"{months} maanden is meer dan de {available} maanden die de plaats in "
                       f"het studiejaar loopt ({period}; een begonnen maand telt als hele "
                       f"maand).")


def started_months(first: date, last: date) -> int:
    """Months begun from ``first`` up to and including ``last``: 1 September to 30 June is 10,
    15 September to 15 July is 11 (the eleventh began on 15 July)."""
    months = 1
    while add_months(first, months) <= last:
        months += 1
    return months
