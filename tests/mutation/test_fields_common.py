"""The shared field pieces (grants/workflows/fields/common.py) rule by rule: how API input is read
into the stored form and shown back, and the date and number helpers behind the completeness
checks of all three schemes (issue 19; bench/mutation.py --module
grants/workflows/fields/common.py).

Rules (shared/api.md, shared/domain.md §3–§6): bad input gets a specific message on the field's
own path ("rows[1].amount") and the rest of the document is still read; money is a decimal string
in euros in and integer cents stored (§6), never negative; a null or empty value means "not filled
in" (a PATCH's null clears the field); a period of N months ends the day before the same date N
months later (31 January + 1 month is the last day of February); a project lies within its
budget's period; figures and dates in messages are written the Dutch way (1,5; 31 december 2015).

The field kinds (text, choice, integer, ...) build their parser when a description is made; the
schemes' descriptions are made at import, before any mutant is switched on, so these tests build
their own fields.

Mutants that cannot change behaviour (read by bench/mutation.py). ``join`` treats a prefix of
None as it treats "": both are false, so the key alone is the path. ``keep_null`` is only read as
``not keep_null``, so None does what False does. Babel reads a locale name without regard to
case, so "nl_nl" and "NL_NL" are "nl_NL". ``exact`` turns an int or a Fraction into the same
Fraction through ``str`` as directly ("2", "1/3"); only a bool ("True") would differ, and no rule
parameter is a bool:

equivalent: grants.workflows.fields.common.x_parse_document__mutmut_10 — None prefix joins as ""
equivalent: grants.workflows.fields.common.x_list_of__mutmut_37 — keep_null None is False
equivalent: grants.workflows.fields.common.x_format_number__mutmut_12 — locale case-blind
equivalent: grants.workflows.fields.common.x_format_number__mutmut_13 — locale case-blind
equivalent: grants.workflows.fields.common.x_format_day__mutmut_10 — locale case-blind
equivalent: grants.workflows.fields.common.x_format_day__mutmut_11 — locale case-blind
equivalent: grants.workflows.fields.common.x_exact__mutmut_2 — str() round-trips int, Fraction
"""

from datetime import date
from fractions import Fraction

import pytest

from grants.models import OrganisationKind
from grants.workflows.fields import common
from grants.workflows.fields.common import (
    INVALID,
    REQUIRED,
    UNKNOWN_FIELD,
    Errors,
    Field,
    add_months,
    as_date,
    check_budget_period,
    check_period,
    choice,
    digits,
    document_to_api,
    exact,
    format_day,
    format_number,
    integer,
    iso_date,
    join,
    list_of,
    listed,
    money,
    parse_document,
    require,
    text,
    with_defaults,
)
from tests.factories import OrganisationFactory

TEXT_WANTED = "Geef hier tekst op."
DATE_FORMAT = "Geef de datum op als JJJJ-MM-DD, bijvoorbeeld 2014-08-01."
AMOUNT_AS_TEXT = ('Geef het bedrag als tekst in euro\'s met een punt voor de centen, '
                  'bijvoorbeeld "2700.00".')
NOT_AN_AMOUNT = ('Dit is geen bedrag in euro\'s: gebruik cijfers met hoogstens twee decimalen '
                 'achter een punt, bijvoorbeeld "2700.00".')


def read(field, value):
    """One value through a freshly built field, under the key "x"."""
    return parse_document({"x": value}, {"x": field})


def checked_period(details, **options):
    errors = Errors()
    found = check_period(details, errors, **options)
    return found, errors.as_dict()


def budget_errors(details, rules, **options):
    errors = Errors()
    check_budget_period(details, rules, errors, **options)
    return errors.as_dict()


# --- Errors and paths -------------------------------------------------------------------------

@pytest.mark.no_db
def test_each_message_is_kept_once_per_path_in_the_order_found():
    errors = Errors()
    assert not errors and "x" not in errors
    errors.add("x", "Eén.")
    errors.add("rows[0].x", "Twee.")
    errors.add("x", "Eén.")
    errors.add("x", "Drie.")
    assert errors and "x" in errors and "y" not in errors
    assert errors.as_dict() == {"x": ["Eén.", "Drie."], "rows[0].x": ["Twee."]}


@pytest.mark.no_db
def test_a_nested_key_is_joined_to_its_parent_with_a_dot():
    assert join("", "x") == "x"
    assert join("rows[2]", "x") == "rows[2].x"


@pytest.mark.no_db
def test_a_rejected_value_shows_as_invalid_in_test_output():
    assert repr(INVALID) == "INVALID"


# --- Documents --------------------------------------------------------------------------------

@pytest.mark.no_db
def test_the_scheme_fields_must_arrive_as_an_object():
    with pytest.raises(TypeError, match=r"^the scheme fields arrive as a dict$"):
        parse_document(["x"], {"x": text(10)})


@pytest.mark.no_db
def test_an_unknown_or_wrong_key_does_not_stop_the_keys_after_it():
    fields = {"a": text(10), "b": text(10)}
    assert parse_document({"z": "?", "a": 5, "b": "goed"}, fields) == (
        {"b": "goed"}, {"z": [UNKNOWN_FIELD], "a": [TEXT_WANTED]})


@pytest.mark.no_db
def test_a_null_is_left_out_of_a_full_document_and_clears_the_field_in_a_patch():
    fields = {"a": text(10), "b": text(10)}
    assert parse_document({"a": None, "b": "x"}, fields) == ({"b": "x"}, {})
    assert parse_document({"a": None, "b": "x"}, fields, partial=False) == ({"b": "x"}, {})
    assert parse_document({"a": None, "b": "x"}, fields, partial=True) == (
        {"a": None, "b": "x"}, {})


@pytest.mark.no_db
def test_keys_come_back_in_the_order_of_the_description():
    fields = {"a": text(10), "b": text(10), "c": text(10)}
    details, _ = parse_document({"c": "3", "a": "1"}, fields)
    assert list(details) == ["a", "c"]


@pytest.mark.no_db
def test_the_api_sees_every_key_with_amounts_in_euros_and_lists_of_objects():
    fields = {"title": text(10), "amount": money(),
              "rows": list_of({"amount": money(), "note": text(10)}, most=3, what="regels")}
    assert document_to_api({"amount": 2700_00, "rows": [{"amount": 1}]}, fields) == {
        "title": None, "amount": "2700.00", "rows": [{"amount": "0.01", "note": None}]}
    assert document_to_api({}, fields) == {"title": None, "amount": None, "rows": []}


@pytest.mark.no_db
def test_a_field_is_shown_through_its_to_api_only_when_it_has_a_value():
    # Field: to_api gets a stored value; an absent one is null without asking it.
    percent = Field(parse=lambda value, path, errors: value, to_api=lambda value: f"{value}%")
    assert document_to_api({"share": 50}, {"share": percent, "other": percent}) == {
        "share": "50%", "other": None}


# --- Field kinds ------------------------------------------------------------------------------

@pytest.mark.no_db
def test_text_is_trimmed_and_at_most_its_length():
    assert read(text(5), "  abcde ") == ({"x": "abcde"}, {})
    assert read(text(5), " abcdef ") == ({}, {"x": ["Gebruik hoogstens 5 tekens (nu 6)."]})
    assert read(text(5), "   ") == ({}, {})
    assert read(text(5), 12) == ({}, {"x": [TEXT_WANTED]})


@pytest.mark.no_db
def test_a_choice_is_one_of_its_values_or_empty():
    field = choice(["cash", "in_kind"])
    assert read(field, "cash") == ({"x": "cash"}, {})
    assert read(field, " ") == ({}, {})
    refused = ({}, {"x": ["Kies een van deze waarden: cash, in_kind."]})
    assert read(field, "loan") == refused
    assert read(field, 1) == refused


@pytest.mark.no_db
def test_a_whole_number_may_arrive_as_digits_but_not_as_a_truth_value_or_fraction():
    field = integer()
    assert read(field, 7) == ({"x": 7}, {})
    assert read(field, " 42 ") == ({"x": 42}, {})
    assert read(field, "") == ({}, {})
    for wrong in (True, 1.5, "4a", "-3"):
        assert read(field, wrong) == ({}, {"x": ["Geef een geheel getal op."]}), wrong
    assert read(integer(what="het nummer"), "x") == ({}, {"x": ["Geef het nummer op."]})


@pytest.mark.no_db
def test_a_whole_number_lies_between_its_bounds_which_are_allowed():
    field = integer(1, maximum=10)
    assert read(field, 1) == ({"x": 1}, {})
    assert read(field, 10) == ({"x": 10}, {})
    assert read(field, 0) == ({}, {"x": ["Dit moet ten minste 1 zijn."]})
    assert read(field, 11) == ({}, {"x": ["Dit mag hoogstens 10 zijn."]})
    assert read(integer(), 10**9) == ({"x": 10**9}, {})


@pytest.mark.no_db
def test_an_identifier_keeps_its_leading_zeros_and_has_its_length():
    message = "Geef 2 tot 4 cijfers op."
    field = digits(2, 4, message)
    assert read(field, " 01 ") == ({"x": "01"}, {})
    assert read(field, "0123") == ({"x": "0123"}, {})
    assert read(field, " ") == ({}, {})
    for wrong in ("1", "12345", "12a", 12):
        assert read(field, wrong) == ({}, {"x": [message]}), wrong


@pytest.mark.no_db
def test_an_amount_is_a_decimal_string_in_euros_stored_as_cents():
    field = money()
    assert read(field, "2700.00") == ({"x": 2700_00}, {})
    assert read(field, "0.00") == ({"x": 0}, {})
    assert read(field, "0.01") == ({"x": 1}, {})
    assert read(field, " ") == ({}, {})
    assert read(field, 2700) == ({}, {"x": [AMOUNT_AS_TEXT]})
    assert read(field, "2.700,00") == ({}, {"x": [NOT_AN_AMOUNT]})
    assert read(field, "-0.01") == ({}, {"x": ["Een bedrag kan niet negatief zijn."]})


@pytest.mark.no_db
def test_a_date_is_an_existing_day_written_year_month_day():
    field = iso_date()
    assert read(field, " 2016-02-29 ") == ({"x": "2016-02-29"}, {})
    assert read(field, "") == ({}, {})
    assert read(field, "2014-8-1") == ({}, {"x": [DATE_FORMAT]})
    assert read(field, 20140801) == ({}, {"x": [DATE_FORMAT]})
    assert read(field, "2014-02-29") == ({}, {"x": ["2014-02-29 is geen bestaande datum."]})


@pytest.mark.no_db
def test_a_list_is_read_item_by_item_each_on_its_own_path():
    # Item 0 is no object, item 1 has a bad amount and a null note; item 2 is fine.
    field = list_of({"amount": money(), "note": text(10)}, most=3, what="regels")
    rows = ["geen object", {"amount": "1,00", "note": None}, {"amount": "1.00", "note": "a"}]
    assert read(field, rows) == ({"x": [{}, {"amount": 100, "note": "a"}]}, {
        "x[0]": ["Geef hier een object met velden op."],
        "x[1].amount": [NOT_AN_AMOUNT],
    })
    assert read(field, {"amount": "1.00"}) == ({}, {"x": ["Geef hier een lijst op."]})


@pytest.mark.no_db
def test_a_null_inside_a_list_item_is_left_out_even_in_a_patch():
    # The list replaces the stored one whole, so its items are full objects.
    field = list_of({"note": text(10), "amount": money()}, most=3, what="regels")
    assert parse_document({"x": [{"note": None, "amount": "5.00"}]}, {"x": field},
                          partial=True) == ({"x": [{"amount": 500}]}, {})


@pytest.mark.no_db
def test_a_list_holds_at_most_its_cap_and_the_refusal_names_both_counts():
    field = list_of({"note": text(10)}, most=2, what="regels")
    assert read(field, [{"note": "a"}, {"note": "b"}]) == (
        {"x": [{"note": "a"}, {"note": "b"}]}, {})
    assert read(field, [{"note": "a"}] * 3) == ({}, {"x": [
        "Een aanvraag heeft hoogstens 2 regels; deze heeft er 3."]})
    big = list_of({"note": text(10)}, most=1000, what="plaatsen")
    assert read(big, [{}] * 1001)[1] == {"x": [
        "Een aanvraag heeft hoogstens 1.000 plaatsen; deze heeft er 1.001."]}


# --- Completeness helpers ---------------------------------------------------------------------

@pytest.mark.no_db
def test_missing_means_absent_null_empty_text_or_an_empty_list():
    details = {"a": None, "b": "", "c": [], "d": 0, "e": "x", "f": [{}], "g": False}
    errors = Errors()
    require(details, ["a", "b", "c", "d", "e", "f", "g", "h"], errors)
    require(details, ["a"], errors, "rows[1]")
    assert errors.as_dict() == {"a": [REQUIRED], "b": [REQUIRED], "c": [REQUIRED],
                                "h": [REQUIRED], "rows[1].a": [REQUIRED]}


@pytest.mark.no_db
def test_listed_gives_the_objects_under_a_key():
    assert listed({"x": [{"a": 1}, "b", None, {}]}, "x") == [{"a": 1}, {}]
    assert listed({"x": None}, "x") == []
    assert listed({}, "x") == []


@pytest.mark.no_db
def test_an_admins_rule_overrides_its_default_and_a_missing_one_takes_it():
    assert with_defaults({"a": 2}, {"a": 1, "b": 1}) == {"a": 2, "b": 1}
    assert with_defaults(None, {"a": 1}) == {"a": 1}


@pytest.mark.no_db
def test_a_rule_parameter_is_the_exact_number_written():
    # The JSON number 0.1 is one tenth, not the nearest binary fraction to it.
    assert exact(0.1) == Fraction(1, 10)
    assert exact("1.5") == Fraction(3, 2)
    assert exact(2) == Fraction(2)
    assert exact(Fraction(1, 3)) == Fraction(1, 3)


@pytest.mark.no_db
def test_a_rule_parameter_is_written_the_dutch_way():
    assert format_number(Fraction(2)) == "2"
    assert format_number(Fraction(3, 2)) == "1,5"
    assert format_number(Fraction(100, 3)) == "33,333"


@pytest.mark.no_db
def test_a_date_is_read_only_from_an_existing_iso_day():
    assert as_date("2014-08-01") == date(2014, 8, 1)
    assert as_date("2014-02-30") is None
    assert as_date(None) is None
    assert as_date(20140801) is None


@pytest.mark.no_db
def test_a_day_is_written_in_full_the_dutch_way():
    assert format_day(date(2015, 12, 31)) == "31 december 2015"


@pytest.mark.no_db
@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2014, 1, 1), 24, date(2016, 1, 1)),
    (date(2014, 1, 31), 1, date(2014, 2, 28)),
    (date(2016, 1, 31), 1, date(2016, 2, 29)),
    (date(2014, 11, 15), 2, date(2015, 1, 15)),
    (date(2014, 12, 1), 12, date(2015, 12, 1)),
    (date(2014, 8, 31), 1, date(2014, 9, 30)),
])
def test_months_later_is_the_same_day_or_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


# --- Periods ----------------------------------------------------------------------------------

@pytest.mark.no_db
def test_twenty_four_months_from_1_january_2014_end_on_31_december_2015():
    fine = {"starts_on": "2014-01-01", "ends_on": "2015-12-31"}
    assert checked_period(fine, max_months=24) == ((date(2014, 1, 1), date(2015, 12, 31)), {})
    late = {"starts_on": "2014-01-01", "ends_on": "2016-01-01"}
    assert checked_period(late, max_months=24)[1] == {"ends_on": [
        "Het project duurt hoogstens 24 maanden: de einddatum mag niet later zijn dan "
        "31 december 2015."]}


@pytest.mark.no_db
def test_a_period_inside_a_list_is_reported_on_its_own_path_and_names_itself():
    late = {"starts_on": "2014-01-01", "ends_on": "2015-01-01"}
    assert checked_period(late, max_months=12, prefix="measures[1]",
                          what="De maatregel")[1] == {"measures[1].ends_on": [
        "De maatregel duurt hoogstens 12 maanden: de einddatum mag niet later zijn dan "
        "31 december 2014."]}
    backwards = {"starts_on": "2014-01-02", "ends_on": "2014-01-01"}
    assert checked_period(backwards, max_months=12, prefix="measures[1]")[1] == {
        "measures[1].ends_on": ["De einddatum ligt vóór de begindatum."]}
    assert checked_period({}, max_months=12, prefix="measures[1]")[1] == {
        "measures[1].starts_on": [REQUIRED], "measures[1].ends_on": [REQUIRED]}


@pytest.mark.no_db
def test_a_one_day_period_is_allowed_and_one_that_ends_before_it_starts_is_not():
    same_day = {"starts_on": "2014-08-01", "ends_on": "2014-08-01"}
    assert checked_period(same_day, max_months=1) == ((date(2014, 8, 1), date(2014, 8, 1)), {})
    backwards = {"starts_on": "2014-08-01", "ends_on": "2014-07-31"}
    assert checked_period(backwards, max_months=None)[1] == {
        "ends_on": ["De einddatum ligt vóór de begindatum."]}


@pytest.mark.no_db
def test_without_a_longest_duration_any_length_is_allowed():
    long = {"starts_on": "2014-01-01", "ends_on": "2099-12-31"}
    assert checked_period(long, max_months=None)[1] == {}


@pytest.mark.no_db
def test_half_a_period_is_only_missing_its_other_half():
    assert checked_period({"starts_on": "2014-01-01"}, max_months=12) == (
        (date(2014, 1, 1), None), {"ends_on": [REQUIRED]})
    assert checked_period({"ends_on": "2014-01-01"}, max_months=12) == (
        (None, date(2014, 1, 1)), {"starts_on": [REQUIRED]})


@pytest.mark.no_db
def test_a_project_may_fill_the_budgets_period_to_the_day():
    rules = {"budget_starts_on": "2014-01-01", "budget_ends_on": "2017-12-31"}
    assert budget_errors({"starts_on": "2014-01-01", "ends_on": "2017-12-31"}, rules) == {}
    assert budget_errors({"starts_on": "2013-12-31", "ends_on": "2018-01-01"}, rules) == {
        "starts_on": ["Het project moet binnen de looptijd van het budget vallen: de begindatum "
                      "mag niet eerder zijn dan 1 januari 2014."],
        "ends_on": ["Het project moet binnen de looptijd van het budget vallen: de einddatum "
                    "mag niet later zijn dan 31 december 2017."],
    }
    assert budget_errors({"starts_on": "2013-12-31"}, rules, what="De maatregel") == {
        "starts_on": ["De maatregel moet binnen de looptijd van het budget vallen: de "
                      "begindatum mag niet eerder zijn dan 1 januari 2014."]}


@pytest.mark.no_db
def test_rules_without_the_budgets_period_check_nothing():
    period = {"starts_on": "1990-01-01", "ends_on": "2099-12-31"}
    assert budget_errors(period, {}) == {}
    assert budget_errors(period, {"budget_ends_on": "2017-12-31"}) == {"ends_on": [
        "Het project moet binnen de looptijd van het budget vallen: de einddatum mag niet "
        "later zijn dan 31 december 2017."]}
    assert budget_errors(period, {"budget_starts_on": "2014-01-01"}) == {"starts_on": [
        "Het project moet binnen de looptijd van het budget vallen: de begindatum mag niet "
        "eerder zijn dan 1 januari 2014."]}


@pytest.mark.no_db
def test_a_period_not_yet_given_is_not_compared_with_the_budget():
    rules = {"budget_starts_on": "2014-01-01", "budget_ends_on": "2017-12-31"}
    assert budget_errors({}, rules) == {}


# --- Organisations ----------------------------------------------------------------------------

def test_an_organisation_is_looked_up_by_its_number_only():
    found = OrganisationFactory(kind=OrganisationKind.MBO_INSTITUTION)
    assert common.organisation(found.id) is found
    assert common.organisation(str(found.id)) is None
    assert common.organisation(True) is None
    assert common.organisation(None) is None
