from fractions import Fraction

import pytest

from grants.workflows.fields import praktijkleren

pytestmark = pytest.mark.no_db

RULES = praktijkleren.DEFAULT_RULES
WINDOW = "2013-2014"


def place(**changes):
    return {
        "student_name": "Sanne de Vries", "category": "mbo", "programme_code": "25180",
        "school": "ROC van Twente", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
        "weeks": 40, **changes,
    }


def payload():
    return {
        "employer_id": "100234",
        "iban": "NL91ABNA0417164300",
        "places": [
            place(),
            place(student_name="Ahmed Yilmaz", category="hbo", programme_code="34820",
                  school="Saxion", starts_on="2013-09-02", ends_on="2014-01-31", weeks=20),
            place(student_name="Lotte Jansen", category="vmbo", programme_code=None,
                  school="Het Stedelijk", starts_on="2014-02-01", ends_on="2014-05-31",
                  weeks=10),
        ],
    }


def parsed(data):
    details, errors = praktijkleren.parse(data)
    assert errors == {}
    return details


def complete(data, window_code=WINDOW, **rules):
    return praktijkleren.check_complete(parsed(data), {**RULES, **rules},
                                        window_code=window_code)


def promovendus(**changes):
    return place(**{"student_name": "Daan Visser", "category": "promovendus",
                    "programme_code": "60370", "school": "TU Delft", "starts_on": "2013-09-01",
                    "ends_on": "2014-06-30", "weeks": None, "months": 10, "hours_per_week": 24,
                    **changes})


def test_default_rules():
    assert RULES == {
        "weeks_per_place": {"vmbo": 40, "mbo": 40, "hbo": 42},
        "months_per_year": 12,
        "promovendus_full_hours": 36,
        "rate_cap_cents": 270000,
    }


# Parsing --------------------------------------------------------------------------------------

def test_to_api_gives_back_what_was_sent():
    data = payload()
    data["places"][0].update(date_of_birth="1996-03-14", student_number="AB 1234")
    data["places"].append(promovendus())
    unfilled = dict.fromkeys(("date_of_birth", "student_number", "months", "hours_per_week"))
    assert praktijkleren.to_api(parsed(data)) == {
        **data, "places": [{**unfilled, **given} for given in data["places"]]}


def test_a_vmbo_place_needs_no_programme_code():
    details = parsed(payload())
    assert "programme_code" not in details["places"][2]


@pytest.mark.parametrize("given", [
    "NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "nl91abna0417164300", " NL91-ABNA-0417164300",
])
def test_the_iban_is_stored_compact_in_capitals(given):
    assert parsed({"iban": given}) == {"iban": "NL91ABNA0417164300"}


def test_a_foreign_iban_is_accepted():
    assert parsed({"iban": "DE89 3704 0044 0532 0130 00"}) == {"iban": "DE89370400440532013000"}


def test_a_typing_error_in_the_iban_is_caught_by_its_check_digits():
    details, errors = praktijkleren.parse({"iban": "NL91ABNA0417164301"})
    assert errors == {"iban": ["De controlecijfers van deze IBAN kloppen niet: er zit "
                               "waarschijnlijk een tikfout in het nummer."]}


@pytest.mark.parametrize("bad", ["1234", "ABNA0417164300", "NL91ABNA04171643$0", 417164300])
def test_something_that_is_no_iban_at_all(bad):
    details, errors = praktijkleren.parse({"iban": bad})
    assert list(errors) == ["iban"]
    assert "IBAN" in errors["iban"][0]


@pytest.mark.parametrize("given", ["1", "0012", "1234567890"])
def test_employer_ids_are_1_to_10_digits_kept_as_text(given):
    assert parsed({"employer_id": given}) == {"employer_id": given}


@pytest.mark.parametrize("bad", ["12345678901", "12a", "-1", 100234])
def test_bad_employer_ids(bad):
    details, errors = praktijkleren.parse({"employer_id": bad})
    assert errors == {"employer_id": ["Het nummer van het erkend leerbedrijf bestaat uit 1 tot 10 "
                                      "cijfers."]}


@pytest.mark.parametrize(("changes", "path"), [
    ({"programme_code": "1234"}, "places[0].programme_code"),
    ({"programme_code": "123456"}, "places[0].programme_code"),
    ({"category": "wo"}, "places[0].category"),
    ({"weeks": 0}, "places[0].weeks"),
    ({"weeks": 2.5}, "places[0].weeks"),
    ({"weeks": 40.0}, "places[0].weeks"),
    ({"weeks": True}, "places[0].weeks"),
    ({"weeks": "twintig"}, "places[0].weeks"),
    ({"starts_on": "1-9-2013"}, "places[0].starts_on"),
    ({"student_name": ["Sanne"]}, "places[0].student_name"),
    ({"hours": 12}, "places[0].hours"),
    ({"months": 0}, "places[0].months"),
    ({"months": 13}, "places[0].months"),
    ({"hours_per_week": 0}, "places[0].hours_per_week"),
    ({"hours_per_week": 81}, "places[0].hours_per_week"),
    ({"date_of_birth": "14-03-1996"}, "places[0].date_of_birth"),
    ({"student_number": "1" * 21}, "places[0].student_number"),
])
def test_wrong_formats_in_a_place(changes, path):
    details, errors = praktijkleren.parse({"places": [place(**changes)]})
    assert list(errors) == [path]


def test_weeks_may_arrive_as_digits_from_a_spreadsheet():
    assert parsed({"places": [place(weeks=" 20 ")]})["places"][0]["weeks"] == 20


def test_unknown_keys_are_refused():
    details, errors = praktijkleren.parse({"kvk": "12345678", "iban": "NL91ABNA0417164300"})
    assert errors == {"kvk": ["Onbekend veld."]}


def test_partial_parse_returns_only_the_given_keys():
    details, errors = praktijkleren.parse({"iban": "nl91 abna 0417 1643 00"}, partial=True)
    assert (details, errors) == ({"iban": "NL91ABNA0417164300"}, {})


def test_a_draft_may_be_incomplete():
    assert praktijkleren.parse({"places": [{"student_name": "Sanne"}]}) == (
        {"places": [{"student_name": "Sanne"}]}, {})


# Fractions and the amount asked for -----------------------------------------------------------

def test_fractions_are_exact():
    assert praktijkleren.fractions(parsed(payload()), RULES) == {
        "vmbo": Fraction(10, 40), "mbo": Fraction(1), "hbo": Fraction(20, 42),
        "promovendus": Fraction(0),
    }


def test_twenty_hbo_weeks_are_twenty_forty_seconds():
    details = parsed({"places": [place(category="hbo", weeks=20)]})
    assert praktijkleren.fractions(details, RULES)["hbo"] == Fraction(10, 21)


def test_fractions_add_up_exactly():
    details = parsed({"places": [place(student_name=f"Student {n}", category="hbo", weeks=1)
                                 for n in range(42)]})
    assert praktijkleren.fractions(details, RULES)["hbo"] == 1


def test_each_place_counts_for_at_most_one():
    details = {"places": [place(weeks=45),
                          place(student_name="Ahmed Yilmaz", category="hbo", weeks=43)]}
    totals = praktijkleren.fractions(details, RULES)
    assert totals["mbo"] == 1
    assert totals["hbo"] == 1


def test_weeks_per_place_is_a_rule():
    details = parsed({"places": [place(weeks=20)]})
    rules = {**RULES, "weeks_per_place": {**RULES["weeks_per_place"], "mbo": 30}}
    assert praktijkleren.fractions(details, rules)["mbo"] == Fraction(2, 3)


def test_requested_is_the_rate_cap_times_each_fraction_rounded_down():
    details = parsed(payload())
    # mbo 40/40 → € 2.700; hbo 20/42 → € 1.285,71(428…); vmbo 10/40 → € 675.
    assert praktijkleren.requested_cents(details) == 270000 + 128571 + 67500
    assert praktijkleren.requested_cents(details, RULES) == 270000 + 128571 + 67500


def test_the_rate_cap_is_a_rule():
    details = parsed({"places": [place(category="hbo", weeks=20)]})
    assert praktijkleren.requested_cents(details, {**RULES, "rate_cap_cents": 100}) == 47


def test_requested_is_zero_while_unknown():
    assert praktijkleren.requested_cents({}) == 0
    assert praktijkleren.requested_cents({"places": [{"student_name": "Sanne"}]}) == 0


# Completeness ---------------------------------------------------------------------------------

def test_a_valid_application_is_complete():
    assert complete(payload()) == {}


def test_an_empty_application_names_everything_missing():
    errors = praktijkleren.check_complete({}, RULES, window_code=WINDOW)
    assert set(errors) == {"iban", "places"}


def test_each_place_needs_its_fields():
    errors = praktijkleren.check_complete({"places": [{}]}, RULES, window_code=WINDOW)
    assert set(errors) == {"iban"} | {
        f"places[0].{key}" for key in ("student_name", "category", "school", "starts_on",
                                       "ends_on")
    }


@pytest.mark.parametrize(("category", "needed"), [
    ("mbo", {"weeks"}), ("hbo", {"weeks"}), ("vmbo", {"weeks"}),
    ("promovendus", {"months", "hours_per_week"}),
])
def test_what_a_place_counts_by_depends_on_its_category(category, needed):
    given = {"student_name": "Sanne", "category": category, "programme_code": "25180",
             "school": "ROC", "starts_on": "2013-09-01", "ends_on": "2014-06-30"}
    errors = praktijkleren.check_complete({**payload(), "places": [given]}, RULES,
                                          window_code=WINDOW)
    assert set(errors) == {f"places[0].{key}" for key in needed}


@pytest.mark.parametrize(("given", "name"), [
    (place(category="mbo"), "crebocode"), (place(category="hbo"), "crohocode"),
    (promovendus(), "crohocode"),
])
def test_a_programme_code_is_needed_above_vmbo(given, name):
    data = {**payload(), "places": [{**given, "programme_code": None}]}
    errors = complete(data)
    assert list(errors) == ["places[0].programme_code"]
    assert name in errors["places[0].programme_code"][0]


@pytest.mark.parametrize(("category", "weeks"), [("mbo", 41), ("vmbo", 41), ("hbo", 43)])
def test_weeks_above_a_full_place_are_refused(category, weeks):
    data = {**payload(), "places": [place(category=category, weeks=weeks)]}
    errors = complete(data)
    assert list(errors) == ["places[0].weeks"]
    assert str(weeks - 1) in errors["places[0].weeks"][0]


def test_42_weeks_is_a_full_hbo_place():
    assert complete({**payload(), "places": [place(category="hbo", weeks=42)]}) == {}


def test_the_weeks_limit_follows_the_rules():
    rules = {**RULES["weeks_per_place"], "mbo": 30}
    assert list(complete(payload(), weeks_per_place=rules)) == ["places[0].weeks"]


def test_a_place_must_not_end_before_it_starts():
    data = {**payload(), "places": [place(starts_on="2014-03-01", ends_on="2014-02-28")]}
    assert list(complete(data)) == ["places[0].ends_on"]


def test_a_place_before_the_study_year():
    data = {**payload(), "places": [place(starts_on="2012-09-01", ends_on="2013-07-31")]}
    errors = complete(data)
    assert list(errors) == ["places[0].ends_on"]
    assert "1 augustus 2013 tot en met 31 juli 2014" in errors["places[0].ends_on"][0]


def test_a_place_after_the_study_year():
    data = {**payload(), "places": [place(starts_on="2014-08-01", ends_on="2014-12-31")]}
    assert list(complete(data)) == ["places[0].starts_on"]


@pytest.mark.parametrize(("starts_on", "ends_on", "weeks"), [
    # One day in the study year is one started week.
    ("2013-06-01", "2013-08-01", 1), ("2014-07-31", "2014-12-31", 1),
    ("2012-01-01", "2015-12-31", 40),
])
def test_a_place_overlapping_the_study_year_counts(starts_on, ends_on, weeks):
    data = {**payload(), "places": [place(starts_on=starts_on, ends_on=ends_on, weeks=weeks)]}
    assert complete(data) == {}


def test_the_study_year_comes_from_the_window():
    errors = complete(payload(), window_code="2014-2015")
    assert set(errors) == {"places[0].ends_on", "places[1].ends_on", "places[2].ends_on"}


@pytest.mark.parametrize("window_code", ["T1", "2013-2015", ""])
def test_a_window_without_a_study_year(window_code):
    assert list(complete(payload(), window_code=window_code)) == ["window"]


def test_a_student_counts_for_at_most_one_place_a_year():
    data = payload()
    # Listed first but starting later: this is the place that goes over one.
    data["places"][0]["starts_on"] = "2014-01-06"
    data["places"][0]["weeks"] = 15
    # 1 September 2013 – 28 February 2014: 181 days, 26 started weeks.
    data["places"].append(place(student_name="SANNE  DE VRIES", starts_on="2013-09-01",
                                ends_on="2014-02-28", weeks=26))
    errors = complete(data)
    assert list(errors) == ["places[0].weeks"]
    assert "meer dan één volledige plaats" in errors["places[0].weeks"][0]


def test_exactly_one_place_for_a_student_is_fine():
    data = payload()
    data["places"][0]["weeks"] = 14
    data["places"].append(place(starts_on="2014-01-06", weeks=26))
    assert complete(data) == {}


def test_the_same_name_in_another_programme_is_another_student():
    data = payload()
    data["places"].append(place(programme_code="25181", weeks=40))
    assert complete(data) == {}


def test_every_place_beyond_one_is_marked():
    data = {**payload(), "places": [
        place(starts_on="2013-09-01", weeks=30),
        place(starts_on="2013-10-01", weeks=10),
        place(starts_on="2013-11-01", weeks=1),
        place(starts_on="2013-12-01", weeks=1),
    ]}
    assert list(complete(data)) == ["places[2].weeks", "places[3].weeks"]


# Weeks claimed fit in the contract, within the study year ---------------------------------------

def weeks_error(data):
    return complete(data).get("places[0].weeks")


def test_weeks_fit_in_the_contract_period():
    # 1 September – 31 December 2013: 30 + 31 + 30 + 31 = 122 days, 122 / 7 = 17,4: 18 weeks.
    given = place(starts_on="2013-09-01", ends_on="2013-12-31", weeks=18)
    assert complete({**payload(), "places": [given]}) == {}
    assert weeks_error({**payload(), "places": [{**given, "weeks": 19}]}) == [
        "19 weken is meer dan de 18 weken die de plaats in het studiejaar loopt (1 september "
        "2013 tot en met 31 december 2013; een begonnen week telt als hele week)."]


def test_a_started_week_counts_as_a_week():
    # 1 – 8 September 2013: 8 days, one week and one day begun: 2 weeks.
    given = place(starts_on="2013-09-01", ends_on="2013-09-08", weeks=2)
    assert complete({**payload(), "places": [given]}) == {}
    assert "2 weken" in weeks_error({**payload(), "places": [{**given, "weeks": 3}]})[0]


def test_only_the_contract_within_the_study_year_counts():
    # 1 June – 31 August 2013 lies in study year 2013-2014 from 1 August: 31 days, 5 weeks.
    given = place(starts_on="2013-06-01", ends_on="2013-08-31", weeks=5)
    assert complete({**payload(), "places": [given]}) == {}
    (message,) = weeks_error({**payload(), "places": [{**given, "weeks": 6}]})
    assert message.startswith("6 weken is meer dan de 5 weken")
    assert "(1 augustus 2013 tot en met 31 augustus 2013;" in message


def test_an_hbo_contract_of_22_started_weeks():
    # 2 September 2013 – 31 January 2014: 29 + 31 + 30 + 31 + 31 = 152 days, 21,7: 22 weeks.
    given = place(category="hbo", starts_on="2013-09-02", ends_on="2014-01-31", weeks=22)
    assert complete({**payload(), "places": [given]}) == {}
    assert list(complete({**payload(), "places": [{**given, "weeks": 23}]})) == [
        "places[0].weeks"]


@pytest.mark.parametrize(("starts_on", "ends_on", "available"), [
    ("2013-09-01", "2014-06-30", 10),  # 1 September + 10 months = 1 July, after 30 June
    ("2013-09-15", "2014-07-14", 10),  # + 10 months = 15 July, after 14 July
    ("2013-09-15", "2014-07-15", 11),  # the eleventh month begins on 15 July
    ("2013-06-01", "2013-10-31", 3),  # August, September, October of this study year
])
def test_months_fit_in_the_contract_period(starts_on, ends_on, available):
    given = promovendus(starts_on=starts_on, ends_on=ends_on, months=available)
    assert complete({**payload(), "places": [given]}) == {}
    errors = complete({**payload(), "places": [{**given, "months": available + 1}]})
    assert list(errors) == ["places[0].months"]
    assert errors["places[0].months"][0].startswith(
        f"{available + 1} maanden is meer dan de {available} maanden")


# The erkend leerbedrijf id: for mbo places only -------------------------------------------------

def test_an_employer_without_mbo_places_needs_no_recognised_firm_id():
    data = {"iban": "NL91ABNA0417164300", "places": [
        place(category="hbo", programme_code="34820", weeks=20),
        place(student_name="Lotte Jansen", category="vmbo", programme_code=None, weeks=10),
        promovendus()]}
    assert complete(data) == {}


def test_an_mbo_place_needs_the_recognised_firm_id():
    data = {"iban": "NL91ABNA0417164300", "places": [place(category="mbo")]}
    assert complete(data) == {"employer_id": ["Dit veld is verplicht."]}


# Promovendi and toio's count by months and hours ------------------------------------------------

def test_ten_months_at_24_hours_is_five_ninths_of_a_place():
    details = parsed({"places": [promovendus(months=10, hours_per_week=24)]})
    # 10/12 × 24/36 = 5/9; at the full rate € 2.700 × 5/9 = € 1.500,00.
    assert praktijkleren.fractions(details, RULES)["promovendus"] == Fraction(5, 9)
    assert praktijkleren.requested_cents(details, RULES) == 150000


@pytest.mark.parametrize(("months", "hours", "fraction"), [
    (12, 36, Fraction(1)),
    (12, 40, Fraction(1)),  # hours above 36 count as 36
    (6, 18, Fraction(1, 4)),  # 6/12 × 18/36
    (7, 25, Fraction(175, 432)),  # 7/12 × 25/36
])
def test_promovendus_fractions(months, hours, fraction):
    details = parsed({"places": [promovendus(months=months, hours_per_week=hours)]})
    assert praktijkleren.fractions(details, RULES)["promovendus"] == fraction


def test_the_full_hours_and_months_are_rules():
    details = parsed({"places": [promovendus(months=10, hours_per_week=24)]})
    # 10/12 × 24/40 = 1/2; 10/10 × 24/36 = 2/3.
    assert praktijkleren.fractions(details, {**RULES, "promovendus_full_hours": 40})[
        "promovendus"] == Fraction(1, 2)
    assert praktijkleren.fractions(details, {**RULES, "months_per_year": 10})[
        "promovendus"] == Fraction(2, 3)


def test_rules_from_before_still_count_promovendi_by_months():
    details = parsed({"places": [promovendus(months=10, hours_per_week=24)]})
    older = {"weeks_per_place": {"vmbo": 40, "mbo": 40, "hbo": 42, "promovendus": 40},
             "rate_cap_cents": 270000}
    assert praktijkleren.fractions(details, older)["promovendus"] == Fraction(5, 9)


def test_a_promovendus_is_not_counted_in_weeks_nor_a_student_in_months():
    data = {**payload(), "places": [promovendus(weeks=40),
                                    place(student_name="Ahmed", months=10, hours_per_week=36)]}
    assert set(complete(data)) == {"places[0].weeks", "places[1].months",
                                   "places[1].hours_per_week"}


# One student, at most one full place a year -----------------------------------------------------

def test_a_students_places_count_for_at_most_one_place_together():
    details = parsed({"places": [place(weeks=30), place(starts_on="2013-10-01", weeks=30)]})
    # 30/40 + 30/40 = 1,5, of which one full place counts: 3/4 + 1/4.
    assert praktijkleren.fractions(details, RULES)["mbo"] == 1
    assert praktijkleren.requested_cents(details, RULES) == 202500 + 67500
    assert list(complete({**payload(), **details})) == ["places[1].weeks"]


def test_a_student_number_identifies_a_student_whatever_the_name():
    data = {**payload(), "places": [
        place(student_name="S. de Vries", student_number="12345", weeks=20),
        place(student_number=" 12 345", starts_on="2013-10-01", weeks=30)]}
    assert list(complete(data)) == ["places[1].weeks"]


def test_the_same_name_with_another_date_of_birth_is_another_student():
    data = {**payload(), "places": [
        place(date_of_birth="1996-03-14", weeks=40),
        place(date_of_birth="1997-05-02", weeks=40)]}
    assert complete(data) == {}
    data["places"][1]["date_of_birth"] = "1996-03-14"
    assert list(complete(data)) == ["places[1].weeks"]


def test_a_name_without_date_of_birth_is_not_matched_to_one_with():
    data = {**payload(), "places": [place(weeks=40), place(date_of_birth="1996-03-14")]}
    assert complete(data) == {}


def test_the_same_student_number_in_another_programme_is_another_student():
    data = {**payload(), "places": [
        place(student_number="12345", weeks=40),
        place(student_name="Ahmed", student_number="12345", programme_code="25181")]}
    assert complete(data) == {}


def test_one_student_through_a_third_place():
    places = [place(student_number="12345", date_of_birth="1996-03-14"),
              place(student_name="Ahmed Yilmaz"),
              place(date_of_birth="1996-03-14"),
              place(student_name="Someone Else", student_number="12345")]
    assert praktijkleren.students(places) == [0, 1, 0, 0]


def test_a_promovendus_over_one_place_is_marked_on_the_months():
    data = {**payload(), "places": [
        promovendus(months=8, hours_per_week=36),  # 8/12
        promovendus(starts_on="2014-01-01", months=6, hours_per_week=36)]}  # + 6/12 > 1
    errors = complete(data)
    assert list(errors) == ["places[1].months"]
    assert "verlaag het aantal maanden of uren per week" in errors["places[1].months"][0]


def test_a_date_of_birth_lies_before_the_place():
    data = {**payload(), "places": [place(date_of_birth="2013-09-01")]}
    assert list(complete(data)) == ["places[0].date_of_birth"]


@pytest.mark.no_db
def test_an_application_holds_at_most_100_000_places_and_the_refusal_counts_them():
    data = payload()
    data["places"] = data["places"][:1] * 100_001
    _details, errors = praktijkleren.parse(data)
    assert errors == {"places": [
        "Een aanvraag heeft hoogstens 100.000 plaatsen; deze heeft er 100.001."]}
