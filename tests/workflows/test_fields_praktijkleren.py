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


def test_default_rules():
    assert RULES == {
        "weeks_per_place": {"vmbo": 40, "mbo": 40, "hbo": 42, "promovendus": 40},
        "rate_cap_cents": 270000,
    }


# Parsing --------------------------------------------------------------------------------------

def test_to_api_gives_back_what_was_sent():
    data = payload()
    assert praktijkleren.to_api(parsed(data)) == data


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
    details = parsed({"places": [place(category="hbo", weeks=1) for _ in range(42)]})
    assert praktijkleren.fractions(details, RULES)["hbo"] == 1


def test_each_place_counts_for_at_most_one():
    details = {"places": [place(weeks=45), place(category="hbo", weeks=43)]}
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
    assert set(errors) == {"employer_id", "iban", "places"}


def test_each_place_needs_its_fields():
    errors = praktijkleren.check_complete({"places": [{}]}, RULES, window_code=WINDOW)
    assert set(errors) == {"employer_id", "iban"} | {
        f"places[0].{key}"
        for key in ("student_name", "category", "school", "starts_on", "ends_on", "weeks")
    }


@pytest.mark.parametrize(("category", "name"), [
    ("mbo", "crebocode"), ("hbo", "crohocode"), ("promovendus", "crohocode"),
])
def test_a_programme_code_is_needed_above_vmbo(category, name):
    data = {**payload(), "places": [place(category=category, programme_code=None)]}
    errors = complete(data)
    assert list(errors) == ["places[0].programme_code"]
    assert name in errors["places[0].programme_code"][0]


@pytest.mark.parametrize(("category", "weeks"), [("mbo", 41), ("vmbo", 41), ("hbo", 43),
                                                 ("promovendus", 41)])
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


@pytest.mark.parametrize(("starts_on", "ends_on"), [
    ("2013-06-01", "2013-08-01"), ("2014-07-31", "2014-12-31"), ("2012-01-01", "2015-12-31"),
])
def test_a_place_overlapping_the_study_year_counts(starts_on, ends_on):
    data = {**payload(), "places": [place(starts_on=starts_on, ends_on=ends_on)]}
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
    data["places"].append(place(student_name="SANNE  DE VRIES", starts_on="2013-09-01",
                                ends_on="2013-12-20", weeks=26))
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
