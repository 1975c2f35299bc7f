"""A praktijkleren application's fields (grants/workflows/fields/praktijkleren.py) at their edges,
each rule stated with hand-computed figures and the full message a user reads, so that no small
change to them goes unnoticed (issue 19; bench/mutation.py --module
grants/workflows/fields/praktijkleren.py).

Rules (shared/domain.md §2): an employer gives an IBAN, and for an mbo (BBL) place the id of its
erkend leerbedrijf; a realised place is a fraction, weeks supervised ÷ 40 (÷ 42 for hbo), or for
a promovendus or toio months ÷ 12 × min(hours a week, 36) ÷ 36, at most one full place; one
student counts for at most one full place a study year, in this application and across all of
them; the weeks (months) claimed fit in the contract within the study year; the amount asked for
is the full rate (€ 2.700) × each place's fraction, rounded down to the cent (§6: integer cents).
Every message names the field (its path) and the figure a user needs.

Mutants that cannot change behaviour (read by bench/mutation.py). fractions() zips the places
with place_fractions() of those same places, which returns one share per place, so the zip's
strict check can never fire:

equivalent: grants.workflows.fields.praktijkleren.x_fractions__mutmut_13 — strict=None: same
equivalent: grants.workflows.fields.praktijkleren.x_fractions__mutmut_16 — no strict: same
equivalent: grants.workflows.fields.praktijkleren.x_fractions__mutmut_21 — strict=False: same

fractions_of keeps a firing's count under a name of its own; any name (None too) is the same
key for every call, so renaming it changes nothing:

equivalent: grants.workflows.fields.praktijkleren.x_fractions_of__mutmut_1 — key None: same
equivalent: grants.workflows.fields.praktijkleren.x_fractions_of__mutmut_5 — key renamed: same
equivalent: grants.workflows.fields.praktijkleren.x_fractions_of__mutmut_6 — key renamed: same

_parse_iban's ``except InvalidLength`` branch cannot be reached with python-stdnum 2.x:
iban.validate checks the check digits (InvalidChecksum), the country (InvalidComponent) and the
length and make-up of the rest against the country's pattern (InvalidFormat) before any country
module runs, and the only country modules that can raise InvalidLength (es.ccc, no.kontonr) get
a part whose length that pattern has already fixed:

equivalent: grants.workflows.fields.praktijkleren.x__parse_iban__mutmut_32 — unreachable branch
equivalent: grants.workflows.fields.praktijkleren.x__parse_iban__mutmut_33 — unreachable branch
"""

from datetime import date
from fractions import Fraction
from types import SimpleNamespace

import pytest

from grants.workflows.fields import praktijkleren
from grants.workflows.fields.praktijkleren import Elsewhere

pytestmark = pytest.mark.no_db

RULES = praktijkleren.DEFAULT_RULES
WINDOW = "2013-2014"
IBAN = "NL91ABNA0417164300"
REQUIRED = "Dit veld is verplicht."
YEAR = "1 augustus 2013 tot en met 31 juli 2014"


def place(**changes):
    return {
        "student_name": "Sanne de Vries", "category": "mbo", "programme_code": "25180",
        "school": "ROC van Twente", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
        "weeks": 40, **changes,
    }


def promovendus(**changes):
    given = {"student_name": "Daan Visser", "category": "promovendus", "programme_code": "60370",
             "school": "TU Delft", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
             "months": 10, "hours_per_week": 24, **changes}
    return {key: value for key, value in given.items() if value is not None}


def check(*places, window_code=WINDOW, **rules):
    details = {"employer_id": "100234", "iban": IBAN, "places": list(places)}
    return praktijkleren.check_complete(details, {**RULES, **rules}, window_code=window_code)


def parse_errors(payload):
    return praktijkleren.parse(payload)[1]


# --- The IBAN (domain.md §2: required per application) ------------------------------------------

def test_an_iban_given_as_a_number_is_refused_and_told_to_be_text():
    assert praktijkleren.parse({"iban": 417164300}) == ({}, {"iban": [
        "Geef de IBAN als tekst op, bijvoorbeeld NL91ABNA0417164300."]})


def test_a_blank_iban_is_not_filled_in_rather_than_wrong():
    assert praktijkleren.parse({"iban": " - "}) == ({}, {})
    # In a PATCH the blank clears the stored IBAN.
    assert praktijkleren.parse({"iban": " "}, partial=True) == ({"iban": None}, {})


def test_an_iban_starts_with_two_letters_and_two_check_digits():
    shape = ("Een IBAN begint met een landcode van twee letters en twee controlecijfers, gevolgd "
             "door letters en cijfers, bijvoorbeeld NL91ABNA0417164300.")
    for bad in ("1234", "N191ABNA0417164300", "NLA1ABNA0417164300", "NL91"):
        assert parse_errors({"iban": bad}) == {"iban": [shape]}, bad


def test_an_unknown_country_code_is_named():
    # XX62…: check digits 62 are right for "ABNA0417164300" + "XX" (ISO 13616 mod 97), so only
    # the country is wrong.
    assert parse_errors({"iban": "XX62ABNA0417164300"}) == {"iban": [
        "XX is geen landcode die IBAN gebruikt."]}


@pytest.mark.parametrize("bad", [
    "NL251BNA0417164300",  # right check digits, but a Dutch IBAN's bank code is four letters
    "NL58ABNA041716430",  # right check digits, one digit short of a Dutch IBAN
])
def test_an_iban_not_built_as_its_country_prescribes_names_the_country(bad):
    assert parse_errors({"iban": bad}) == {"iban": [
        "Deze IBAN heeft niet de opbouw van een IBAN uit landcode NL."]}


# --- The fields of a place -----------------------------------------------------------------------

@pytest.mark.parametrize(("key", "longest"), [
    ("student_name", 200), ("school", 200), ("student_number", 20),
])
def test_text_fields_have_a_longest_length(key, longest):
    details, errors = praktijkleren.parse({"places": [place(**{key: "a" * longest})]})
    assert errors == {}
    assert details["places"][0][key] == "a" * longest
    assert parse_errors({"places": [place(**{key: "a" * (longest + 1)})]}) == {
        f"places[0].{key}": [f"Gebruik hoogstens {longest} tekens (nu {longest + 1})."]}


def test_a_programme_code_is_five_digits():
    message = "Een crebo- of crohocode bestaat uit 5 cijfers."
    assert parse_errors({"places": [place(programme_code="2518")]}) == {
        "places[0].programme_code": [message]}
    assert parse_errors({"places": [place(programme_code="02518")]}) == {}


def test_the_categories_are_those_of_the_scheme():
    assert praktijkleren.CATEGORIES == ["vmbo", "mbo", "hbo", "promovendus"]
    assert parse_errors({"places": [place(category="wo")]}) == {"places[0].category": [
        "Kies een van deze waarden: vmbo, mbo, hbo, promovendus."]}


@pytest.mark.parametrize(("key", "lowest", "highest", "what"), [
    ("weeks", 1, None, "het aantal weken als geheel getal"),
    ("months", 1, 12, "het aantal maanden als geheel getal"),
    ("hours_per_week", 1, 80, "het aantal uren per week als geheel getal"),
])
def test_whole_numbers_within_their_bounds(key, lowest, highest, what):
    def errors(value):
        return parse_errors({"places": [place(**{key: value})]})

    path = f"places[0].{key}"
    assert errors(lowest) == {}
    assert errors(lowest - 1) == {path: [f"Dit moet ten minste {lowest} zijn."]}
    assert errors("tien") == {path: [f"Geef {what} op."]}
    if highest is not None:
        assert errors(highest) == {}
        assert errors(highest + 1) == {path: [f"Dit mag hoogstens {highest} zijn."]}
    else:
        assert errors(10_000) == {}


# --- What a full place is: the rules -------------------------------------------------------------

def test_changing_one_categorys_weeks_keeps_the_others():
    rules = {"weeks_per_place": {"mbo": 30}}
    units = praktijkleren.Units.of(rules)
    assert units.weeks_per_place == {"vmbo": 40, "mbo": 30, "hbo": 42}
    assert (units.months_per_year, units.full_hours) == (12, 36)
    # 21 of 42 hbo weeks is half a place; 15 of 30 mbo weeks too.
    assert praktijkleren.place_fraction(place(category="hbo", weeks=21), units) == Fraction(1, 2)
    assert praktijkleren.place_fraction(place(weeks=15), units) == Fraction(1, 2)


def test_rules_without_weeks_per_place_take_the_defaults():
    units = praktijkleren.Units.of({"weeks_per_place": None, "months_per_year": "12"})
    assert units.weeks_per_place == {"vmbo": 40, "mbo": 40, "hbo": 42}
    assert units.months_per_year == 12


def test_older_rules_that_counted_promovendi_in_weeks_no_longer_do():
    units = praktijkleren.Units.of({"weeks_per_place": {"promovendus": 40}})
    assert units.weeks_per_place == {"vmbo": 40, "mbo": 40, "hbo": 42}


# --- One place's fraction ------------------------------------------------------------------------

UNITS = praktijkleren.Units.of(RULES)


@pytest.mark.parametrize("given", [
    promovendus(hours_per_week=None), promovendus(months=None), promovendus(months=True),
    promovendus(hours_per_week=-1), place(weeks=None), place(weeks=True), place(weeks=-40),
    place(weeks="40"), place(category=None), place(category="wo"),
])
def test_a_place_with_an_open_figure_counts_for_nothing_yet(given):
    assert praktijkleren.place_fraction(given, UNITS) is None
    assert praktijkleren.place_fractions([given], RULES) == [None]
    assert praktijkleren.requested_cents({"places": [given]}, RULES) == 0


def test_zero_weeks_is_a_figure_not_an_open_one():
    assert praktijkleren.place_fraction(place(weeks=0), UNITS) == 0
    assert praktijkleren.place_fraction(promovendus(months=0), UNITS) == 0


@pytest.mark.parametrize(("given", "fraction"), [
    (place(weeks=1), Fraction(1, 40)),
    (place(category="vmbo", weeks=39), Fraction(39, 40)),
    (place(category="hbo", weeks=41), Fraction(41, 42)),
    (place(weeks=41), Fraction(1)),  # at most one full place
    (promovendus(months=12, hours_per_week=35), Fraction(35, 36)),
    (promovendus(months=11, hours_per_week=36), Fraction(11, 12)),
    (promovendus(months=12, hours_per_week=37), Fraction(1)),  # hours above 36 count as 36
    (promovendus(months=3, hours_per_week=72), Fraction(1, 4)),  # 3/12 × 36/36
])
def test_a_places_fraction(given, fraction):
    assert praktijkleren.place_fraction(given, UNITS) == fraction


# --- One student, at most one full place a year --------------------------------------------------

def test_places_count_in_the_order_they_started_then_as_listed():
    places = [{"starts_on": "2014-01-06"}, {}, {"starts_on": "2013-09-01"},
              {"starts_on": "2013-09-01"}, {"starts_on": None}]
    # A place without a start date is counted first (it cannot be placed later).
    assert praktijkleren.counting_order(places) == [1, 4, 2, 3, 0]


def test_what_is_left_of_one_place_and_nothing_beyond():
    # 30/40 + 30/40 + 30/40: 3/4, then the 1/4 left, then nothing (never a negative share).
    places = [place(weeks=30), place(starts_on="2013-10-01", weeks=30),
              place(starts_on="2013-11-01", weeks=30)]
    assert praktijkleren.place_fractions(places, RULES) == [Fraction(3, 4), Fraction(1, 4), 0]
    # € 2.700 × 3/4 + € 2.700 × 1/4 = € 2.025 + € 675.
    assert praktijkleren.requested_cents({"places": places}, RULES) == 202500 + 67500
    assert praktijkleren.fractions({"places": places}, RULES) == {
        "vmbo": 0, "mbo": 1, "hbo": 0, "promovendus": 0}


def test_places_without_a_student_are_not_put_together():
    places = [place(student_name=None, weeks=40), place(student_name=" ", weeks=40)]
    assert praktijkleren.place_fractions(places, RULES) == [1, 1]
    assert praktijkleren.students(places) == [None, None]


def test_students_are_told_apart_by_number_and_by_name_with_date_of_birth():
    places = [place(student_name="Ahmed Yilmaz"), place(student_name="Lotte Jansen"),
              place(), place(student_number="12345", student_name=None),
              place(student_number=" 123 45", student_name="Lotte Jansen")]
    # 0 and 2 differ; 3 and 4 share a number, and 4 is named as 1: all three are student 1.
    assert praktijkleren.students(places) == [0, 1, 2, 1, 1]


def test_a_later_place_joins_two_students_under_the_first():
    places = [place(student_name="Ahmed Yilmaz"), place(student_name=None, student_number="9"),
              place(student_name="Ahmed Yilmaz", student_number="9")]
    assert praktijkleren.students(places) == [0, 0, 0]


def test_a_chain_of_places_is_one_student_whatever_the_order_found():
    # 4 ties 3 (number 2) to 0 (name), after 2 has tied 1 (number 1) to 0.
    places = [place(student_name="Z"),
              place(student_name=None, student_number="1"),
              place(student_name="Z", student_number="1"),
              place(student_name=None, student_number="2"),
              place(student_name="Z", student_number="2")]
    assert praktijkleren.students(places) == [0, 0, 0, 0, 0]
    places = [place(student_name=None, student_number="1"),
              place(student_name=None, student_number="2"),
              place(student_name=None, student_number="3"),
              place(student_name="A", student_number="3"),
              place(student_name="A", student_number="2"),
              place(student_name="B", student_number="1"),
              place(student_name="B", student_number="3")]
    assert praktijkleren.students(places) == [0] * 7


def test_what_identifies_a_student_within_the_programme():
    given = place(student_number=" AB 12\t34 ", student_name="  Sanne   DE  Vries ",
                  date_of_birth="1996-03-14")
    assert praktijkleren.identities(given) == [
        ("number", "25180", "ab1234"), ("name", "25180", "sanne de vries", "1996-03-14")]
    # ß and ss are the same letters to a casefold, as STRAUSS and Strauß are one name.
    assert praktijkleren.identities(place(student_name="Strauß")) == [
        ("name", "25180", "strauss", None)]
    assert praktijkleren.identities(place(student_name=" ", student_number=" ")) == []
    assert praktijkleren.identities(place(student_name=12, student_number=12345)) == []


# --- Across applications -------------------------------------------------------------------------

def test_a_place_that_takes_a_student_over_one_with_another_application():
    there = (place(weeks=30), Fraction(3, 4), "PL-1")
    # 3/4 there + 20/40 here = 5/4.
    assert praktijkleren.places_over_one([place(weeks=20)], RULES, [there]) == {
        0: Elsewhere(Fraction(3, 4), ["PL-1"])}
    # 3/4 there + 10/40 here = exactly one.
    assert praktijkleren.places_over_one([place(weeks=10)], RULES, [there]) == {}


def test_the_share_elsewhere_is_the_one_given_not_the_places_own_fraction():
    # There the place counted for only 1/2 (the student's other place came first there).
    there = (place(weeks=40), Fraction(1, 2), "PL-1")
    assert praktijkleren.places_over_one([place(weeks=20)], RULES, [there]) == {}


def test_shares_elsewhere_add_up_and_each_application_is_named_once():
    elsewhere = [(place(weeks=8), Fraction(1, 5), "PL-1"),
                 (place(weeks=8, starts_on="2013-10-01"), Fraction(1, 5), "PL-2"),
                 (place(weeks=8, starts_on="2013-11-01"), Fraction(1, 5), "PL-1"),
                 (place(student_name="Ahmed Yilmaz"), Fraction(1), "PL-3"),
                 (place(student_name=None), Fraction(1), "PL-4")]
    # 3/5 elsewhere + 16/40 = 1; + 17/40 is more.
    assert praktijkleren.places_over_one([place(weeks=16)], RULES, elsewhere) == {}
    assert praktijkleren.places_over_one([place(weeks=17)], RULES, elsewhere) == {
        0: Elsewhere(Fraction(3, 5), ["PL-1", "PL-2"])}


def test_an_excess_within_the_application_alone_has_nothing_elsewhere():
    places = [place(starts_on="2013-10-01", weeks=20), place(student_name="Ahmed Yilmaz"),
              place(weeks=30), place(student_name=None), place(weeks=None)]
    elsewhere = [(place(student_name="Lotte Jansen"), Fraction(1), "PL-1")]
    # Sanne: 30/40 from September, then 20/40 from October: the October place goes over.
    for given in ((), elsewhere):
        over = praktijkleren.places_over_one(places, RULES, given)
        assert over == {0: Elsewhere()}
        assert over[0].share == 0 and over[0].sources == []


def test_the_field_to_lower_is_the_one_that_counts():
    assert praktijkleren.size_field(promovendus()) == "months"
    assert praktijkleren.size_field(place()) == "weeks"
    assert praktijkleren.size_field({}) == "weeks"


# --- The full rate and the settled amounts -------------------------------------------------------

def test_the_full_rate_per_category_rounded_down_to_the_cent():
    details = {"places": [place(), place(student_name="Ahmed Yilmaz", category="hbo", weeks=20),
                          promovendus(months=7, hours_per_week=25)]}
    # mbo € 2.700 × 1; hbo € 2.700 × 20/42 = € 1.285,714…; promovendus € 2.700 × 175/432
    # = € 1.093,75; no vmbo places, so no vmbo amount.
    places = praktijkleren.fractions(details, RULES)
    assert praktijkleren.rate_amounts(places, RULES) == {
        "mbo": 270000, "hbo": 128571, "promovendus": 109375}
    assert praktijkleren.rate_amounts(places, {**RULES, "rate_cap_cents": 100}) == {
        "mbo": 100, "hbo": 47, "promovendus": 40}


def test_a_firing_counts_its_places_once_by_its_own_rules(monkeypatch):
    """The amounts' guard and the letter of one settlement both ask for the places; an
    allocation run settles tens of thousands, so they are counted once a firing."""
    from grants.workflows.engine import Firing

    details = {"places": [place(), place(student_name="Ahmed Yilmaz", category="hbo", weeks=20)]}
    counted = []
    real_fractions = praktijkleren.fractions

    def counting(details, rules):
        counted.append(rules["rate_cap_cents"])
        return real_fractions(details, rules)

    firing = Firing(application=SimpleNamespace(details=details), trigger_name="settle",
                    actor=None, data={}, now=None, rules={"rules": RULES}, fields=praktijkleren)
    empty = Firing(application=SimpleNamespace(details=None), trigger_name="settle",
                   actor=None, data={}, now=None, rules={"rules": RULES}, fields=praktijkleren)
    monkeypatch.setattr(praktijkleren, "fractions", counting)
    first = praktijkleren.fractions_of(firing)
    assert praktijkleren.fractions_of(firing) is first
    assert praktijkleren.fractions_of(empty) == real_fractions({}, RULES)
    assert first == {"vmbo": 0, "mbo": 1, "hbo": Fraction(10, 21), "promovendus": 0}
    assert counted == [RULES["rate_cap_cents"]] * 2


def test_requested_without_rules_is_at_the_default_full_rate():
    # An admin's older rules without the rate: € 2.700 × 1/40 = € 67,50.
    assert praktijkleren.requested_cents({"places": [place(weeks=1)]}, {}) == 6750
    # € 2.700 × 41/42 = € 2.635,714…, down to the cent.
    details = {"places": [place(category="hbo", weeks=41)]}
    assert praktijkleren.requested_cents(details, None) == 263571


LIMITS = {"mbo": 270000, "hbo": 128571}
NOT_AN_AMOUNT = "Een bedrag in euro's als \"2700.00\"."


def test_settled_amounts_up_to_the_full_rate():
    assert praktijkleren.amounts_per_category({"mbo": "2700.00", "hbo": "0.00"}, LIMITS) == (
        {"mbo": 270000, "hbo": 0}, {})


def test_a_settled_amount_above_the_full_rate_names_the_limit():
    assert praktijkleren.amounts_per_category({"mbo": "2700.00", "hbo": "1285.72"}, LIMITS) == (
        {"mbo": 270000}, {"amounts.hbo": [
            "Hoogstens €\u00a01.285,71 voor deze plaatsen (het volle tarief)."]})


@pytest.mark.parametrize("bad", ["-0.01", "2.700,00", 2700, None])
def test_a_settled_amount_is_euros_as_text(bad):
    assert praktijkleren.amounts_per_category({"mbo": bad}, LIMITS) == (
        {}, {"amounts.mbo": [NOT_AN_AMOUNT]})


def test_no_amount_for_a_category_without_places():
    assert praktijkleren.amounts_per_category({"vmbo": "0.00", "promovendus": "x"}, LIMITS) == (
        {}, {"amounts.vmbo": ["Deze aanvraag heeft geen plaatsen in deze categorie."],
             "amounts.promovendus": ["Deze aanvraag heeft geen plaatsen in deze categorie."]})


# --- The study year ------------------------------------------------------------------------------

def test_the_study_year_runs_from_1_august_to_31_july():
    assert praktijkleren.study_year("2013-2014") == (date(2013, 8, 1), date(2014, 7, 31))
    assert praktijkleren.study_year("1999-2000") == (date(1999, 8, 1), date(2000, 7, 31))


@pytest.mark.parametrize("code", [None, "", "2013-2013", "2013-2015", "2014-2013", "2013-2014 ",
                                  " 2013-2014", "2013/2014", "13-14"])
def test_a_code_that_names_no_study_year(code):
    assert praktijkleren.study_year(code) is None


def test_a_window_without_a_study_year_is_named_and_its_places_not_dated():
    # The place lies years off, but without a study year there is nothing to hold it against.
    errors = check(place(starts_on="2020-01-01", ends_on="2020-12-31"), window_code="T1")
    assert errors == {"window": [
        "Het aanvraagtijdvak 'T1' noemt geen studiejaar (zoals 2013-2014)."]}


# --- Completeness --------------------------------------------------------------------------------

def test_an_empty_application_is_told_what_to_add():
    assert praktijkleren.check_complete({}, RULES, window_code=WINDOW) == {
        "iban": [REQUIRED], "places": ["Voeg ten minste één plaats toe."]}


def test_only_an_mbo_place_needs_the_recognised_firm():
    for category in ("vmbo", "hbo"):
        details = {"iban": IBAN, "places": [place(category=category, weeks=20)]}
        assert praktijkleren.check_complete(details, RULES, window_code=WINDOW) == {}
    details = {"iban": IBAN, "places": [place(category="hbo", weeks=20),
                                        place(student_name="Ahmed Yilmaz", weeks=20)]}
    assert praktijkleren.check_complete(details, RULES, window_code=WINDOW) == {
        "employer_id": [REQUIRED]}


def test_a_place_names_what_it_misses():
    assert check({"category": "hbo"}) == {
        "places[0].student_name": [REQUIRED], "places[0].school": [REQUIRED],
        "places[0].programme_code": ["Vul de crohocode van de opleiding in."],
        "places[0].weeks": [REQUIRED],
        "places[0].starts_on": [REQUIRED], "places[0].ends_on": [REQUIRED]}
    assert check(place(programme_code="")) == {
        "places[0].programme_code": ["Vul de crebocode van de opleiding in."]}
    assert check(place(category=None, programme_code=None)) == {
        "places[0].category": [REQUIRED]}


def test_a_promovendus_names_months_and_hours_and_leaves_weeks_empty():
    assert check(promovendus(months=None, hours_per_week=None, weeks=12)) == {
        "places[0].months": [REQUIRED], "places[0].hours_per_week": [REQUIRED],
        "places[0].weeks": ["Een promovendus of toio telt in maanden en uren per week, niet in "
                            "weken: laat de weken leeg."]}


def test_a_student_in_weeks_leaves_months_and_hours_empty():
    message = ("Alleen een promovendus of toio telt in maanden en uren per week; een vmbo-plaats "
               "telt in weken: laat dit veld leeg.")
    assert check(place(category="vmbo", months=10, hours_per_week=0)) == {
        "places[0].months": [message], "places[0].hours_per_week": [message]}


def test_weeks_above_a_full_place_name_the_full_place():
    assert check(place(weeks=40)) == {}
    assert check(place(weeks=41)) == {"places[0].weeks": [
        "Een volledige mbo-plaats telt 40 weken; meer weken tellen niet mee."]}
    assert check(place(category="hbo", weeks=43)) == {"places[0].weeks": [
        "Een volledige hbo-plaats telt 42 weken; meer weken tellen niet mee."]}


def test_the_date_of_birth_lies_before_the_place():
    assert check(place(date_of_birth="2013-08-31")) == {}
    assert check(place(date_of_birth="2013-09-01")) == {"places[0].date_of_birth": [
        "De geboortedatum ligt niet vóór het begin van de plaats."]}
    # Without a start date there is nothing to compare with.
    assert check(place(date_of_birth="2013-09-01", starts_on=None)) == {
        "places[0].starts_on": [REQUIRED]}


def test_a_place_must_touch_the_study_year():
    assert check(place(starts_on="2013-01-01", ends_on="2013-08-01", weeks=1)) == {}
    assert check(place(starts_on="2013-01-01", ends_on="2013-07-31", weeks=1)) == {
        "places[0].ends_on": [f"De plaats eindigt vóór het studiejaar, dat loopt van {YEAR}."]}
    assert check(place(starts_on="2014-07-31", ends_on="2014-12-31", weeks=1)) == {}
    assert check(place(starts_on="2014-08-01", ends_on="2014-12-31", weeks=1)) == {
        "places[0].starts_on": [f"De plaats begint na het studiejaar, dat loopt van {YEAR}."]}


def test_a_place_ending_before_it_starts_is_told_only_that():
    # Both dates lie after the study year, but the order of the dates is what is wrong.
    assert check(place(starts_on="2014-09-01", ends_on="2014-08-15", weeks=1)) == {
        "places[0].ends_on": ["De einddatum ligt vóór de begindatum."]}


def test_whole_weeks_fit_exactly_and_a_started_week_counts_whole():
    # 1 – 14 September 2013: 14 days, exactly 2 weeks; 1 – 15 September: a third begun.
    assert check(place(starts_on="2013-09-01", ends_on="2013-09-14", weeks=2)) == {}
    assert check(place(starts_on="2013-09-01", ends_on="2013-09-14", weeks=3)) == {
        "places[0].weeks": ["3 weken is meer dan de 2 weken die de plaats in het studiejaar "
                            "loopt (1 september 2013 tot en met 14 september 2013; een begonnen "
                            "week telt als hele week)."]}
    assert check(place(starts_on="2013-09-01", ends_on="2013-09-15", weeks=3)) == {}


def test_a_contract_beyond_the_study_year_counts_up_to_its_end():
    # 1 July 2014 – 31 December 2014 lies in the study year up to 31 July: 31 days, 5 weeks.
    assert check(place(starts_on="2014-07-01", ends_on="2014-12-31", weeks=5)) == {}
    assert check(place(starts_on="2014-07-01", ends_on="2014-12-31", weeks=6)) == {
        "places[0].weeks": ["6 weken is meer dan de 5 weken die de plaats in het studiejaar "
                            "loopt (1 juli 2014 tot en met 31 juli 2014; een begonnen week telt "
                            "als hele week)."]}


def test_months_claimed_fit_in_the_contract_and_name_it():
    # 1 August – 30 September 2013: two months; from 15 July 2014 the study year has 17 days
    # left, one month begun.
    assert check(promovendus(starts_on="2013-08-01", ends_on="2013-09-30", months=2)) == {}
    assert check(promovendus(starts_on="2013-08-01", ends_on="2013-09-30", months=3)) == {
        "places[0].months": ["3 maanden is meer dan de 2 maanden die de plaats in het "
                             "studiejaar loopt (1 augustus 2013 tot en met 30 september 2013; "
                             "een begonnen maand telt als hele maand)."]}
    assert check(promovendus(starts_on="2014-07-15", ends_on="2015-07-14", months=2)) == {
        "places[0].months": ["2 maanden is meer dan de 1 maanden die de plaats in het "
                             "studiejaar loopt (15 juli 2014 tot en met 31 juli 2014; een "
                             "begonnen maand telt als hele maand)."]}


def test_a_promovendus_weeks_are_not_held_against_the_contract():
    # The weeks are refused as weeks; they are not also measured against the 2 weeks of it.
    assert check(promovendus(starts_on="2013-09-01", ends_on="2013-09-14", months=1,
                             weeks=3)) == {"places[0].weeks": [
        "Een promovendus of toio telt in maanden en uren per week, niet in weken: laat de "
        "weken leeg."]}


@pytest.mark.parametrize(("first", "last", "months"), [
    (date(2013, 9, 1), date(2013, 9, 1), 1),
    (date(2013, 9, 1), date(2013, 9, 30), 1),
    (date(2013, 9, 1), date(2013, 10, 1), 2),  # the second month begins on 1 October
    (date(2014, 1, 31), date(2014, 2, 27), 1),
    (date(2014, 1, 31), date(2014, 2, 28), 2),  # a month after 31 January is 28 February
    (date(2013, 8, 1), date(2014, 7, 31), 12),
])
def test_months_begun(first, last, months):
    assert praktijkleren.started_months(first, last) == months


def test_the_place_over_one_is_told_to_lower_its_own_figure():
    weeks = ("Samen met een eerdere plaats telt deze student voor meer dan één volledige plaats "
             "in het studiejaar; verlaag het aantal weken.")
    months = ("Samen met een eerdere plaats telt deze student voor meer dan één volledige plaats "
              "in het studiejaar; verlaag het aantal maanden of uren per week.")
    assert check(place(weeks=30), place(starts_on="2013-10-01", weeks=11)) == {
        "places[1].weeks": [weeks]}
    # 6/12 × 36/36 + 6/12 × 36/36 is one; a month more is over.
    assert check(promovendus(months=6, hours_per_week=36),
                 promovendus(starts_on="2014-01-01", months=6, hours_per_week=36)) == {}
    assert check(promovendus(months=7, hours_per_week=36),
                 promovendus(starts_on="2014-01-01", months=6, hours_per_week=36)) == {
        "places[1].months": [months]}


def test_the_amounts_follow_the_rules_for_a_full_place():
    # With 30 weeks for a full mbo place, 15 weeks is half a place: € 2.700 × 1/2 = € 1.350.
    rules = {**RULES, "weeks_per_place": {"mbo": 30}}
    details = {"places": [place(weeks=15)]}
    assert praktijkleren.requested_cents(details, rules) == 135000
    places = praktijkleren.fractions(details, rules)
    assert praktijkleren.rate_amounts(places, rules) == {"mbo": 135000}


def test_a_one_day_place_is_held_against_the_study_year_too():
    assert check(place(starts_on="2014-08-15", ends_on="2014-08-15", weeks=1)) == {
        "places[0].starts_on": [f"De plaats begint na het studiejaar, dat loopt van {YEAR}."]}
    # One day is one started week.
    assert check(place(starts_on="2014-03-03", ends_on="2014-03-03", weeks=2)) == {
        "places[0].weeks": ["2 weken is meer dan de 1 weken die de plaats in het studiejaar "
                            "loopt (3 maart 2014 tot en met 3 maart 2014; een begonnen week "
                            "telt als hele week)."]}


def test_a_student_over_one_place_is_measured_by_the_rules_for_a_full_place():
    # With 30 weeks for a full mbo place, 20 + 15 weeks is 7/6 of a place (by default 7/8).
    assert check(place(weeks=20), place(starts_on="2013-10-01", weeks=15),
                 weeks_per_place={"mbo": 30}) == {"places[1].weeks": [
        "Samen met een eerdere plaats telt deze student voor meer dan één volledige plaats in "
        "het studiejaar; verlaag het aantal weken."]}
