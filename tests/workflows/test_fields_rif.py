import pytest

from grants.models import OrganisationKind
from grants.money import format_eur
from grants.workflows.fields import rif
from tests.factories import OrganisationFactory

RULES = rif.DEFAULT_RULES
DOCUMENT_KINDS = ["regional_vision", "action_plan", "budget", "cooperation_agreement"]


def payload(institution_id=1):
    return {
        "institution": institution_id,
        "partners": [
            {"name": "Techniekbedrijf Oost BV", "kind": "employer"},
            {"name": "Provincie Overijssel", "kind": "regional_government"},
            {"name": "OOM", "kind": "om_fund"},
        ],
        "region": "Oost-Nederland",
        "requested_subsidy": "500000.00",
        "total_cost": "1600000.00",
        "contributions": [
            {"partner": "Techniekbedrijf Oost BV", "kind": "cash", "amount": "600000.00"},
            {"partner": "Provincie Overijssel", "kind": "in_kind", "amount": "400000.00"},
            {"partner": "OOM", "kind": "cash", "amount": "100000.00"},
        ],
        "starts_on": "2014-08-01",
        "ends_on": "2018-07-31",
        "documents": [{"kind": kind, "name": f"{kind}.pdf"} for kind in DOCUMENT_KINDS],
    }


def parsed(data):
    details, errors = rif.parse(data)
    assert errors == {}
    return details


@pytest.fixture
def application():
    return payload(OrganisationFactory(kind=OrganisationKind.MBO_INSTITUTION).id)


def complete(data, **rules):
    return rif.check_complete(parsed(data), {**RULES, **rules}, window_code="2014")


@pytest.mark.no_db
def test_default_rules():
    assert RULES == {
        "min_subsidy_cents": 20_000_000,
        "max_subsidy_cents": 200_000_000,
        "min_contribution_ratio": 2,
        "max_duration_months": 48,
        "required_documents": DOCUMENT_KINDS,
        "criteria": ["fit", "coordination", "durability", "innovation"],
        "score_min": 1,
        "score_max": 10,
        "committee_quorum": 2,
        "sufficient_average": 6,
        "advance_percent": 80,
        "advance_interval_months": 12,
    }


# Parsing --------------------------------------------------------------------------------------

@pytest.mark.no_db
def test_money_is_stored_as_exact_cents():
    details = parsed(payload())
    assert details["requested_subsidy"] == 50_000_000
    assert details["total_cost"] == 160_000_000
    assert [c["amount"] for c in details["contributions"]] == [60_000_000, 40_000_000, 10_000_000]
    assert rif.requested_cents(details) == 50_000_000


@pytest.mark.no_db
def test_requested_is_zero_while_unknown():
    assert rif.requested_cents({}) == 0


@pytest.mark.no_db
def test_to_api_gives_back_what_was_sent():
    data = payload()
    assert rif.to_api(parsed(data)) == data


@pytest.mark.no_db
def test_to_api_shows_every_field():
    shown = rif.to_api({"requested_subsidy": 1})
    assert shown["requested_subsidy"] == "0.01"
    assert shown["total_cost"] is None
    assert shown["documents"] == [] and shown["contributions"] == []


@pytest.mark.no_db
@pytest.mark.parametrize("amount", [500000.0, 500000, "500.000,00", "0.001", "-5.00"])
def test_amounts_must_be_decimal_strings(amount):
    details, errors = rif.parse({"requested_subsidy": amount})
    assert list(errors) == ["requested_subsidy"]


@pytest.mark.no_db
@pytest.mark.parametrize(("data", "path"), [
    ({"institution": "ROC"}, "institution"),
    ({"partners": [{"name": "X", "kind": "school"}]}, "partners[0].kind"),
    ({"partners": [{"naam": "X"}]}, "partners[0].naam"),
    ({"contributions": [{"kind": "loan"}]}, "contributions[0].kind"),
    ({"contributions": [{"amount": 100}]}, "contributions[0].amount"),
    ({"documents": [{"kind": "letter"}]}, "documents[0].kind"),
    ({"documents": "action_plan"}, "documents"),
    ({"ends_on": "2018-13-01"}, "ends_on"),
    ({"motivation": "Omdat het kan."}, "motivation"),
])
def test_wrong_formats_are_reported_on_their_path(data, path):
    details, errors = rif.parse(data)
    assert list(errors) == [path]


@pytest.mark.no_db
def test_partial_parse_returns_only_the_given_keys():
    details, errors = rif.parse({"total_cost": "1500000", "region": "Zuidoost"}, partial=True)
    assert (details, errors) == ({"region": "Zuidoost", "total_cost": 150_000_000}, {})


# Completeness ---------------------------------------------------------------------------------

def test_a_valid_application_is_complete(application):
    assert complete(application) == {}


def test_an_empty_application_names_everything_missing():
    errors = rif.check_complete({}, RULES, window_code="2014")
    assert set(errors) == {"institution", "partners", "region", "requested_subsidy",
                           "total_cost", "starts_on", "ends_on", "documents"}


def test_the_applicant_must_be_an_mbo_institution(application):
    application["institution"] = OrganisationFactory(kind=OrganisationKind.EMPLOYER).id
    errors = complete(application)
    assert list(errors) == ["institution"]
    assert "mbo-instelling" in errors["institution"][0]


def test_an_unknown_institution(application):
    application["institution"] = 999_999
    assert list(complete(application)) == ["institution"]


def test_the_partnership_needs_an_employer(application):
    application["partners"][0]["kind"] = "other"
    application["contributions"] = [
        {"partner": "Provincie Overijssel", "kind": "cash", "amount": "1000000.00"}]
    errors = complete(application)
    assert list(errors) == ["partners"]
    assert "werkgever" in errors["partners"][0]


def test_partners_need_a_name_and_kind(application):
    application["partners"].append({"name": None, "kind": None})
    assert set(complete(application)) == {"partners[3].name", "partners[3].kind"}


def test_a_partner_name_used_twice(application):
    application["partners"].append({"name": "OOM", "kind": "other"})
    assert list(complete(application)) == ["partners[3].name"]


def test_a_contribution_names_a_listed_partner(application):
    application["contributions"][2]["partner"] = "Gemeente Enschede"
    errors = complete(application)
    assert list(errors) == ["contributions[2].partner"]
    assert "Gemeente Enschede" in errors["contributions[2].partner"][0]


def test_a_contribution_is_more_than_nothing(application):
    application["contributions"][2]["amount"] = "0.00"
    assert list(complete(application)) == ["contributions[2].amount"]


def test_employers_and_region_bring_at_least_twice_the_subsidy(application):
    # Exactly twice is enough; the O&O-fund's € 100.000 does not count towards it.
    assert complete(application) == {}
    application["contributions"][0]["amount"] = "599999.99"
    errors = complete(application)
    assert list(errors) == ["contributions"]
    message = errors["contributions"][0]
    assert format_eur(99_999_999) in message
    assert format_eur(100_000_000) in message


def test_the_contribution_ratio_is_a_rule(application):
    # Three times the subsidy from the partners also means four times the subsidy in cost.
    errors = complete(application, min_contribution_ratio=3)
    assert set(errors) == {"contributions", "total_cost"}
    assert format_eur(150_000_000) in errors["contributions"][0]
    assert format_eur(200_000_000) in errors["total_cost"][0]


def test_a_fractional_contribution_ratio_is_exact(application):
    application["requested_subsidy"] = "666666.67"
    application["total_cost"] = "2000000.00"
    errors = complete(application, min_contribution_ratio="1.5")
    # 1,5 × € 666.666,67 = € 1.000.000,005: the partners' € 1.000.000 falls short by half a cent.
    assert list(errors) == ["contributions"]
    assert format_eur(100_000_001) in errors["contributions"][0]
    assert "1,5 keer" in errors["contributions"][0]


@pytest.mark.parametrize(("amount", "fine"), [
    ("199999.99", False), ("200000.00", True), ("2000000.00", True), ("2000000.01", False),
])
def test_the_subsidy_lies_between_the_minimum_and_maximum(application, amount, fine):
    application["requested_subsidy"] = amount
    application["total_cost"] = "9000000.00"
    application["contributions"][0]["amount"] = "5000000.00"
    errors = complete(application)
    if fine:
        assert errors == {}
    else:
        assert list(errors) == ["requested_subsidy"]
        assert errors["requested_subsidy"] == [
            "De gevraagde subsidie moet tussen €\xa0200.000,00 en €\xa02.000.000,00 liggen."]


def test_the_subsidy_bounds_are_rules(application):
    errors = complete(application, max_subsidy_cents=40_000_000)
    assert list(errors) == ["requested_subsidy"]
    assert format_eur(40_000_000) in errors["requested_subsidy"][0]


def test_the_subsidy_is_at_most_a_third_of_the_cost(application):
    application["total_cost"] = "1499999.99"
    errors = complete(application)
    assert list(errors) == ["total_cost"]
    assert format_eur(150_000_000) in errors["total_cost"][0]
    application["total_cost"] = "1500000.00"
    assert complete(application) == {}


def test_a_project_lasts_at_most_four_years(application):
    application["ends_on"] = "2018-08-01"
    errors = complete(application)
    assert errors == {"ends_on": ["Het project duurt hoogstens 48 maanden: de einddatum mag "
                                  "niet later zijn dan 31 juli 2018."]}


def test_a_project_runs_within_the_budget_period_2014_to_2017(application):
    period = {"budget_starts_on": "2014-01-01", "budget_ends_on": "2017-12-31"}
    application["ends_on"] = "2017-12-31"
    assert complete(application, **period) == {}
    application["ends_on"] = "2018-01-01"
    assert complete(application, **period) == {"ends_on": [
        "Het project moet binnen de looptijd van het budget vallen: de einddatum mag niet later "
        "zijn dan 31 december 2017."]}
    application["starts_on"], application["ends_on"] = "2013-12-31", "2017-06-30"
    assert complete(application, **period) == {"starts_on": [
        "Het project moet binnen de looptijd van het budget vallen: de begindatum mag niet "
        "eerder zijn dan 1 januari 2014."]}


def test_a_project_must_not_end_before_it_starts(application):
    application["ends_on"] = "2014-07-31"
    assert list(complete(application)) == ["ends_on"]


def test_missing_documents_are_named(application):
    application["documents"] = [d for d in application["documents"]
                                if d["kind"] in ("regional_vision", "budget")]
    errors = complete(application)
    assert errors == {"documents": ["Nog niet bijgevoegd: actieplan en "
                                    "samenwerkingsovereenkomst."]}


def test_a_document_needs_a_name(application):
    application["documents"][0]["name"] = ""
    errors = complete(application)
    assert set(errors) == {"documents[0].name", "documents"}
    assert "regionale visie" in errors["documents"][0]


def test_the_required_documents_are_a_rule(application):
    application["documents"] = [{"kind": "budget", "name": "begroting.xlsx"}]
    assert complete(application, required_documents=["budget"]) == {}


@pytest.mark.no_db
def test_partners_contributions_and_documents_are_capped_and_the_refusal_counts_them():
    data = payload()
    data["partners"] = [data["partners"][0]] * 200
    data["contributions"] = [data["contributions"][0]] * 200
    data["documents"] = [data["documents"][0]] * 50
    _details, errors = rif.parse(data)
    assert not any(key.split("[")[0] in ("partners", "contributions", "documents")
                   for key in errors), errors
    data["partners"].append(data["partners"][0])
    data["contributions"].append(data["contributions"][0])
    data["documents"].append(data["documents"][0])
    _details, errors = rif.parse(data)
    assert {key: errors[key] for key in ("partners", "contributions", "documents")} == {
        "partners": ["Een aanvraag heeft hoogstens 200 partners; deze heeft er 201."],
        "contributions": ["Een aanvraag heeft hoogstens 200 bijdragen; deze heeft er 201."],
        "documents": ["Een aanvraag heeft hoogstens 50 documenten; deze heeft er 51."]}
