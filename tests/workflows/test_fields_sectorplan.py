import json
from copy import deepcopy

import pytest

from grants.models import OrganisationKind
from grants.money import format_eur
from grants.workflows.fields import FIELDS, sectorplan
from tests.factories import OrganisationFactory

RULES = sectorplan.DEFAULT_RULES


def payload(lead_id=1, employees_id=2):
    return {
        "lead_organisation": lead_id,
        "partners": [
            {"organisation": lead_id, "role": "employers"},
            {"organisation": employees_id, "role": "employees"},
        ],
        "sector": "Metaal en techniek",
        "region": "Oost-Nederland",
        "measures": [
            {"title": "Leerwerkplekken voor jongeren", "theme": "youth",
             "eligible_cost": "1000000.00", "requested_subsidy": "500000.00"},
            {"title": "Van werk naar werk", "theme": "work_to_work",
             "eligible_cost": "333.33", "requested_subsidy": "166.66"},
        ],
        "starts_on": "2014-01-01",
        "ends_on": "2015-12-31",
    }


def parsed(data):
    details, errors = sectorplan.parse(data)
    assert errors == {}
    return details


@pytest.fixture
def partnership():
    employers = OrganisationFactory(kind=OrganisationKind.EMPLOYERS_ORGANISATION)
    employees = OrganisationFactory(kind=OrganisationKind.EMPLOYEES_ORGANISATION)
    return payload(employers.id, employees.id)


def complete(data, **rules):
    return sectorplan.check_complete(parsed(data), {**RULES, **rules}, window_code="T2")


# Interface ------------------------------------------------------------------------------------

@pytest.mark.no_db
@pytest.mark.parametrize("code", ["sectorplan", "praktijkleren", "rif"])
def test_every_scheme_offers_the_engine_interface(code):
    module = FIELDS[code]
    for name in ("parse", "check_complete", "requested_cents", "to_api"):
        assert callable(getattr(module, name))
    assert json.loads(json.dumps(module.DEFAULT_RULES)) == module.DEFAULT_RULES


@pytest.mark.no_db
def test_default_rules():
    assert RULES == {"min_themes": 2, "max_subsidy_share_percent": 50, "max_duration_months": 24,
                     "criteria": ["analysis", "measures", "partnership", "budget"],
                     "score_min": 1, "score_max": 10,
                     "advance_percent": 80, "advance_interval_months": 6,
                     "grant_in_order_of_completeness": True}


# Parsing --------------------------------------------------------------------------------------

@pytest.mark.no_db
def test_money_is_stored_as_exact_cents():
    details = parsed(payload())
    assert [m["eligible_cost"] for m in details["measures"]] == [100_000_000, 33_333]
    assert [m["requested_subsidy"] for m in details["measures"]] == [50_000_000, 16_666]
    assert sectorplan.requested_cents(details) == 50_016_666


@pytest.mark.no_db
def test_small_amounts_add_up_exactly():
    data = {"measures": [{"requested_subsidy": "0.10"}, {"requested_subsidy": "0.20"}]}
    assert sectorplan.requested_cents(parsed(data)) == 30


@pytest.mark.no_db
def test_requested_is_zero_while_unknown():
    assert sectorplan.requested_cents({}) == 0
    assert sectorplan.requested_cents(parsed({"measures": [{"title": "Nog open"}]})) == 0


@pytest.mark.no_db
@pytest.mark.parametrize("amount", [1500.5, 1500, "1,5", "12.345", "1e5", "€ 10", "-1.00", True])
def test_amounts_must_be_decimal_strings(amount):
    data = {"measures": [{"eligible_cost": amount}]}
    details, errors = sectorplan.parse(data)
    assert list(errors) == ["measures[0].eligible_cost"]
    assert errors["measures[0].eligible_cost"][0]


@pytest.mark.no_db
def test_a_draft_may_be_incomplete():
    assert sectorplan.parse({}) == ({}, {})
    assert sectorplan.parse({"sector": "Zorg", "measures": [{"theme": "youth"}]}) == (
        {"sector": "Zorg", "measures": [{"theme": "youth"}]}, {})


@pytest.mark.no_db
def test_to_api_gives_back_what_was_sent():
    data = payload()
    assert sectorplan.to_api(parsed(data)) == data


@pytest.mark.no_db
def test_to_api_shows_every_field():
    assert sectorplan.to_api({}) == {
        "lead_organisation": None, "partners": [], "sector": None, "region": None,
        "measures": [], "starts_on": None, "ends_on": None,
    }


@pytest.mark.no_db
def test_unknown_keys_are_refused_at_every_level():
    data = {"colour": "blauw", "partners": [{"organisation": 1, "share": 3}]}
    details, errors = sectorplan.parse(data)
    assert errors == {"colour": ["Onbekend veld."], "partners[0].share": ["Onbekend veld."]}


@pytest.mark.no_db
def test_partial_parse_returns_only_the_given_keys():
    details, errors = sectorplan.parse({"sector": " Zorg ", "ends_on": None}, partial=True)
    assert errors == {}
    # A null in a PATCH clears the field.
    assert details == {"sector": "Zorg", "ends_on": None}


@pytest.mark.no_db
def test_full_parse_leaves_nulls_out():
    assert sectorplan.parse({"sector": "Zorg", "ends_on": None, "region": ""}) == (
        {"sector": "Zorg"}, {})


@pytest.mark.no_db
def test_lists_replace_whole_in_a_patch():
    details, errors = sectorplan.parse(
        {"measures": [{"title": "Nieuw", "eligible_cost": "10.00"}]}, partial=True)
    assert details == {"measures": [{"title": "Nieuw", "eligible_cost": 1000}]}


@pytest.mark.no_db
@pytest.mark.parametrize(("data", "path"), [
    ({"region": "Randstad"}, "region"),
    ({"region": "noord"}, "region"),
    ({"measures": [{"theme": "sport"}]}, "measures[0].theme"),
    ({"partners": [{"role": "boss"}]}, "partners[0].role"),
    ({"partners": [{}, {"organisation": "abc"}]}, "partners[1].organisation"),
    ({"lead_organisation": True}, "lead_organisation"),
    ({"lead_organisation": 0}, "lead_organisation"),
    ({"lead_organisation": 1.0}, "lead_organisation"),
    ({"starts_on": "01-01-2014"}, "starts_on"),
    ({"starts_on": "2014-02-30"}, "starts_on"),
    ({"starts_on": "2014-01-01T00:00:00"}, "starts_on"),
    ({"sector": "x" * 201}, "sector"),
    ({"sector": 12}, "sector"),
    ({"partners": {"organisation": 1}}, "partners"),
    ({"measures": ["Leerwerkplekken"]}, "measures[0]"),
])
def test_wrong_formats_are_reported_on_their_path(data, path):
    details, errors = sectorplan.parse(data)
    assert list(errors) == [path]
    assert all(message.endswith(".") for message in errors[path])


@pytest.mark.no_db
def test_organisation_ids_may_arrive_as_digit_strings():
    assert parsed({"lead_organisation": "17"}) == {"lead_organisation": 17}


# Completeness ---------------------------------------------------------------------------------

def test_a_valid_plan_is_complete(partnership):
    assert complete(partnership) == {}


def test_an_empty_plan_names_everything_missing():
    errors = sectorplan.check_complete({}, RULES, window_code="T2")
    assert set(errors) == {"lead_organisation", "partners", "sector", "region", "measures",
                           "starts_on", "ends_on"}


def test_rules_missing_from_the_stored_set_fall_back_to_the_defaults(partnership):
    assert sectorplan.check_complete(parsed(partnership), {}, window_code="T2") == {}


def test_unknown_organisations_are_named_on_their_path(partnership):
    partnership["partners"].append({"organisation": 999_999, "role": "other"})
    partnership["lead_organisation"] = 999_998
    errors = complete(partnership)
    assert "999999" in errors["partners[2].organisation"][0]
    assert "999998" in errors["lead_organisation"][0]


def test_a_partner_listed_twice(partnership):
    partnership["partners"].append(dict(partnership["partners"][1]))
    assert list(complete(partnership)) == ["partners[2].organisation"]


def test_partners_need_an_employees_organisation(partnership):
    partnership["partners"][1]["organisation"] = OrganisationFactory(
        kind=OrganisationKind.OM_FUND).id
    errors = complete(partnership)
    assert list(errors) == ["partners"]
    assert "werknemersorganisatie" in errors["partners"][0]


def test_the_employees_organisation_must_take_the_employees_role(partnership):
    partnership["partners"][1]["role"] = "other"
    assert list(complete(partnership)) == ["partners"]


def test_partners_need_an_employers_organisation_in_the_employers_role(partnership):
    partnership["partners"][0]["role"] = "other"
    errors = complete(partnership)
    assert list(errors) == ["partners"]
    assert "werkgeversorganisatie" in errors["partners"][0]


def test_partners_need_their_organisation_and_role(partnership):
    partnership["partners"].append({})
    errors = complete(partnership)
    assert set(errors) == {"partners[2].organisation", "partners[2].role"}


def test_the_lead_must_be_among_the_partners(partnership):
    om_fund = OrganisationFactory(kind=OrganisationKind.OM_FUND)
    partnership["lead_organisation"] = om_fund.id
    errors = complete(partnership)
    assert list(errors) == ["lead_organisation"]
    assert "partners" in errors["lead_organisation"][0]
    partnership["partners"].append({"organisation": om_fund.id, "role": "other"})
    assert complete(partnership) == {}


@pytest.mark.parametrize("kind", [OrganisationKind.EMPLOYER, OrganisationKind.MBO_INSTITUTION])
def test_the_lead_must_be_of_a_kind_that_may_lead(partnership, kind):
    lead = OrganisationFactory(kind=kind)
    partnership["lead_organisation"] = lead.id
    partnership["partners"].append({"organisation": lead.id, "role": "other"})
    errors = complete(partnership)
    assert list(errors) == ["lead_organisation"]
    assert "hoofdaanvrager" in errors["lead_organisation"][0]


def test_a_plan_needs_a_measure(partnership):
    partnership["measures"] = []
    assert list(complete(partnership)) == ["measures"]


def test_the_measures_need_two_themes(partnership):
    partnership["measures"][1]["theme"] = "youth"
    errors = complete(partnership)
    assert list(errors) == ["measures"]
    assert "2 verschillende thema's" in errors["measures"][0]


def test_the_number_of_themes_is_a_rule(partnership):
    assert list(complete(partnership, min_themes=3)) == ["measures"]
    partnership["measures"][1]["theme"] = "youth"
    assert complete(partnership, min_themes=1) == {}


def test_subsidy_may_be_exactly_half_of_the_cost_rounded_down(partnership):
    # Half of € 333,33 is € 166,665: € 166,66 fits, € 166,67 does not.
    partnership["measures"][1]["requested_subsidy"] = "166.67"
    errors = complete(partnership)
    assert list(errors) == ["measures[1].requested_subsidy"]
    assert format_eur(16666) in errors["measures[1].requested_subsidy"][0]
    assert "50%" in errors["measures[1].requested_subsidy"][0]


def test_a_large_measure_is_checked_to_the_cent(partnership):
    partnership["measures"][0] = {
        "title": "Groot", "theme": "youth",
        "eligible_cost": "9999999999.99", "requested_subsidy": "5000000000.00",
    }
    errors = complete(partnership)
    assert format_eur(499_999_999_999) in errors["measures[0].requested_subsidy"][0]
    partnership["measures"][0]["requested_subsidy"] = "4999999999.99"
    assert complete(partnership) == {}


def test_the_subsidy_share_is_a_rule(partnership):
    errors = complete(partnership, max_subsidy_share_percent=40)
    assert set(errors) == {"measures[0].requested_subsidy", "measures[1].requested_subsidy"}
    assert format_eur(40_000_000) in errors["measures[0].requested_subsidy"][0]
    assert "40%" in errors["measures[0].requested_subsidy"][0]


@pytest.mark.parametrize(("field", "value", "path"), [
    ("eligible_cost", "0.00", "measures[0].eligible_cost"),
    ("requested_subsidy", "0.00", "measures[0].requested_subsidy"),
    ("title", "", "measures[0].title"),
    ("theme", None, "measures[0].theme"),
])
def test_each_measure_is_checked(partnership, field, value, path):
    partnership["measures"][0][field] = value
    errors = complete(partnership)
    assert path in errors
    assert set(errors) <= {path, "measures", "measures[0].requested_subsidy"}


def test_the_plan_must_not_end_before_it_starts(partnership):
    partnership["ends_on"] = "2013-12-31"
    errors = complete(partnership)
    assert list(errors) == ["ends_on"]
    assert "vóór de begindatum" in errors["ends_on"][0]


def test_a_plan_lasts_at_most_24_months(partnership):
    partnership["ends_on"] = "2016-01-01"
    errors = complete(partnership)
    assert errors == {"ends_on": ["Een sectorplan duurt hoogstens 24 maanden: de einddatum mag "
                                  "niet later zijn dan 31 december 2015."]}


# The sector-plan budget "2014–2015" runs from 1 October 2013 to 31 December 2015; the rules
# frozen at submit carry its period.
BUDGET_PERIOD = {"budget_starts_on": "2013-10-01", "budget_ends_on": "2015-12-31"}


def test_a_plan_runs_within_the_budget_period(partnership):
    assert complete(partnership, **BUDGET_PERIOD) == {}  # 1 January 2014 – 31 December 2015
    partnership["starts_on"], partnership["ends_on"] = "2014-07-01", "2016-01-01"
    assert complete(partnership, **BUDGET_PERIOD) == {"ends_on": [
        "Een sectorplan moet binnen de looptijd van het budget vallen: de einddatum mag niet "
        "later zijn dan 31 december 2015."]}
    partnership["starts_on"], partnership["ends_on"] = "2013-09-30", "2014-12-31"
    assert complete(partnership, **BUDGET_PERIOD) == {"starts_on": [
        "Een sectorplan moet binnen de looptijd van het budget vallen: de begindatum mag niet "
        "eerder zijn dan 1 oktober 2013."]}


def test_rules_frozen_without_the_budget_period_keep_judging_without_it(partnership):
    partnership["starts_on"], partnership["ends_on"] = "2014-07-01", "2016-06-30"
    assert complete(partnership) == {}


def test_the_duration_is_a_rule(partnership):
    assert list(complete(partnership, max_duration_months=12)) == ["ends_on"]
    partnership["ends_on"] = "2014-12-31"
    assert complete(partnership, max_duration_months=12) == {}


def test_a_month_end_start_counts_to_the_last_day_of_the_short_month(partnership):
    partnership["starts_on"], partnership["ends_on"] = "2013-08-31", "2014-02-27"
    assert complete(partnership, max_duration_months=6) == {}
    partnership["ends_on"] = "2014-02-28"
    assert list(complete(partnership, max_duration_months=6)) == ["ends_on"]


def test_check_complete_does_not_change_the_details(partnership):
    details = parsed(partnership)
    before = deepcopy(details)
    sectorplan.check_complete(details, RULES, window_code="T2")
    assert details == before


@pytest.mark.no_db
def test_a_plan_holds_at_most_100_measures_and_200_partners_and_the_refusal_counts_them():
    data = payload()
    measure = data["measures"][1]
    data["measures"] = [measure] * 100
    data["partners"] = [data["partners"][1]] * 200
    details, errors = sectorplan.parse(data)
    assert errors == {} and len(details["measures"]) == 100
    data["measures"].append(measure)
    data["partners"].append(data["partners"][0])
    _details, errors = sectorplan.parse(data)
    assert errors == {
        "measures": ["Een aanvraag heeft hoogstens 100 maatregelen; deze heeft er 101."],
        "partners": ["Een aanvraag heeft hoogstens 200 partners; deze heeft er 201."]}
