"""An RIF application's completeness checks (grants/workflows/fields/rif.py) at their edges, each
stated with hand-computed figures and the full message a user reads, so that no small change to
them goes unnoticed (issue 19; bench/mutation.py --module grants/workflows/fields/rif.py).

Rules (shared/domain.md §3): a publicly funded mbo institution applies for a partnership with at
least one employer; it asks € 200.000 to € 2.000.000; businesses and regional government together
contribute at least twice the subsidy, so the cost is at least three times it (an O&O-fund's or
another partner's contribution does not count); every contribution names a listed partner and is
more than € 0; the project lasts at most 4 years; the regional vision, action plan, multi-year
budget and cooperation agreement are attached. Every partner, contribution and document is
checked, whatever an earlier one got wrong; money is whole cents (§6), a share of a cent is
rounded up to the cent the partners must at least bring.

Mutants that cannot change behaviour (read by bench/mutation.py). check_complete passes
what="Het project" to check_period (mutant 51 leaves it out) and to check_budget_period (mutant
64), whose default for ``what`` is that same text; the messages stay the same:

equivalent: grants.workflows.fields.rif.x_check_complete__mutmut_51 — same as the default what
equivalent: grants.workflows.fields.rif.x_check_complete__mutmut_64 — same as the default what
"""

import pytest

from grants.models import OrganisationKind
from grants.workflows.fields import rif
from tests.factories import OrganisationFactory

RULES = rif.DEFAULT_RULES
REQUIRED = "Dit veld is verplicht."
NEEDS_EMPLOYER = "Het samenwerkingsverband heeft ten minste één werkgever nodig."
EMPLOYER, PROVINCE, OM_FUND = "Techniek Oost BV", "Provincie Overijssel", "OOM Metaal"


@pytest.fixture
def institution():
    return OrganisationFactory(kind=OrganisationKind.MBO_INSTITUTION).id


def application(institution, **changes):
    """The smallest complete application, stored as cents: € 200.000 asked (the minimum), a cost
    of three times that, and the employer's € 250.000 plus the province's € 150.000 in kind,
    exactly twice the subsidy. The O&O-fund's € 50.000 is on top and does not count."""
    details = {
        "institution": institution,
        "partners": [{"name": EMPLOYER, "kind": "employer"},
                     {"name": PROVINCE, "kind": "regional_government"},
                     {"name": OM_FUND, "kind": "om_fund"}],
        "region": "Oost-Nederland",
        "requested_subsidy": 200_000_00,
        "total_cost": 600_000_00,
        "contributions": [{"partner": EMPLOYER, "kind": "cash", "amount": 250_000_00},
                          {"partner": PROVINCE, "kind": "in_kind", "amount": 150_000_00},
                          {"partner": OM_FUND, "kind": "cash", "amount": 50_000_00}],
        "starts_on": "2014-08-01",
        "ends_on": "2018-07-31",
        "documents": [{"kind": kind, "name": f"{kind}.pdf"}
                      for kind in ("regional_vision", "action_plan", "budget",
                                   "cooperation_agreement")],
    }
    return {**details, **changes}


def check(details, **rules):
    return rif.check_complete(details, {**RULES, **rules}, window_code="2014")


def test_the_smallest_complete_application_passes(institution):
    assert check(application(institution)) == {}


# --- Parsing ----------------------------------------------------------------------------------

@pytest.mark.no_db
def test_a_null_in_a_full_document_is_left_out_and_in_a_patch_clears_the_field():
    assert rif.parse({"total_cost": None, "region": "Noord"}) == ({"region": "Noord"}, {})
    assert rif.parse({"total_cost": None}, partial=True) == ({"total_cost": None}, {})


# --- Everything missing -----------------------------------------------------------------------

@pytest.mark.no_db
def test_an_empty_application_names_each_missing_field_once():
    # No institution is looked up when none is given; all four documents are named, the Dutch
    # way: commas, and "en" before the last.
    assert rif.check_complete({}, RULES, window_code="2014") == {
        "institution": [REQUIRED],
        "region": [REQUIRED],
        "requested_subsidy": [REQUIRED],
        "total_cost": [REQUIRED],
        "partners": [NEEDS_EMPLOYER],
        "starts_on": [REQUIRED],
        "ends_on": [REQUIRED],
        "documents": ["Nog niet bijgevoegd: regionale visie, actieplan, meerjarenbegroting en "
                      "samenwerkingsovereenkomst."],
    }


def test_a_subsidy_without_a_cost_is_only_missing_the_cost(institution):
    # The cost cannot be compared with the subsidy yet; the partners' € 0 can: twice
    # € 200.000,00 is € 400.000,00.
    details = application(institution, contributions=[])
    del details["total_cost"]
    assert check(details) == {
        "total_cost": [REQUIRED],
        "contributions": ["Werkgevers en regionale overheden dragen samen €\xa00,00 bij; dat moet "
                          "ten minste 2 keer de gevraagde subsidie zijn: €\xa0400.000,00."],
    }


def test_a_cost_without_a_subsidy_is_only_missing_the_subsidy(institution):
    details = application(institution)
    del details["requested_subsidy"]
    assert check(details) == {"requested_subsidy": [REQUIRED]}


# --- The applicant ----------------------------------------------------------------------------

def test_an_unknown_institution_is_named_by_its_number(institution):
    assert check(application(999_999)) == {
        "institution": ["Er is geen organisatie met nummer 999999."]}


def test_only_a_funded_mbo_institution_applies(institution):
    employer = OrganisationFactory(kind=OrganisationKind.EMPLOYER).id
    assert check(application(employer)) == {
        "institution": ["De aanvrager moet een bekostigde mbo-instelling zijn."]}


# --- Partners ---------------------------------------------------------------------------------

def test_a_nameless_partner_does_not_stop_the_check_of_the_partners_after_it(institution):
    # The employer comes after the nameless partner and still counts, as do its contributions.
    details = application(institution)
    details["partners"] = [{"kind": "other"}, *details["partners"]]
    assert check(details) == {"partners[0].name": [REQUIRED]}


def test_a_repeated_name_does_not_stop_the_check_of_the_partners_after_it(institution):
    details = application(institution)
    details["partners"] = [{"name": OM_FUND, "kind": "om_fund"},
                           {"name": OM_FUND, "kind": "other"}, *details["partners"][:2]]
    assert check(details) == {"partners[1].name": [
        "Deze naam staat al bij de partners; bijdragen moeten naar één partner kunnen "
        "verwijzen."]}


def test_without_an_employer_the_partnership_is_told_it_needs_one(institution):
    # The province's € 400.000,00 alone brings twice the subsidy; only the employer is lacking.
    details = application(institution)
    details["partners"] = details["partners"][1:]
    details["contributions"] = [{"partner": PROVINCE, "kind": "cash", "amount": 400_000_00}]
    assert check(details) == {"partners": [NEEDS_EMPLOYER]}


# --- Contributions ----------------------------------------------------------------------------

def test_one_cent_is_more_than_nothing(institution):
    details = application(institution)
    details["contributions"].append({"partner": EMPLOYER, "kind": "cash", "amount": 1})
    assert check(details) == {}


def test_a_contribution_of_nothing_is_refused_on_its_amount(institution):
    details = application(institution)
    details["contributions"].append({"partner": EMPLOYER, "kind": "cash", "amount": 0})
    assert check(details) == {
        "contributions[3].amount": ["Een bijdrage moet meer dan € 0 zijn."]}


def test_a_contribution_without_amount_or_partner_is_only_missing_them(institution):
    details = application(institution)
    details["contributions"] += [{"partner": EMPLOYER, "kind": "cash"},
                                 {"kind": "in_kind", "amount": 10_000_00}]
    assert check(details) == {
        "contributions[3].amount": [REQUIRED],
        "contributions[4].partner": [REQUIRED],
    }


def test_a_contribution_names_a_listed_partner_exactly(institution):
    # "Provincie overijssel" is not "Provincie Overijssel": it does not count either, so the
    # partners fall € 150.000,00 short of twice the subsidy.
    details = application(institution)
    details["contributions"][1]["partner"] = "Provincie overijssel"
    assert check(details) == {
        "contributions[1].partner": ["'Provincie overijssel' staat niet bij de partners; "
                                     "gebruik precies de naam van een partner."],
        "contributions": ["Werkgevers en regionale overheden dragen samen €\xa0250.000,00 bij; "
                          "dat moet ten minste 2 keer de gevraagde subsidie zijn: "
                          "€\xa0400.000,00."],
    }


def test_one_cent_short_of_twice_the_subsidy_is_short(institution):
    # € 249.999,99 + € 150.000,00 = € 399.999,99 < € 400.000,00; the O&O-fund's € 50.000,00
    # does not make up for it.
    details = application(institution)
    details["contributions"][0]["amount"] = 249_999_99
    assert check(details) == {"contributions": [
        "Werkgevers en regionale overheden dragen samen €\xa0399.999,99 bij; dat moet ten minste "
        "2 keer de gevraagde subsidie zijn: €\xa0400.000,00."]}


# --- Amounts ----------------------------------------------------------------------------------

def test_one_cent_short_of_three_times_the_subsidy_in_cost(institution):
    assert check(application(institution, total_cost=599_999_99)) == {"total_cost": [
        "De totale kosten moeten ten minste 3 keer de gevraagde subsidie zijn: ten minste "
        "€\xa0600.000,00."]}


def test_a_fractional_ratio_rounds_the_least_cost_up_to_the_cent(institution):
    # Ratio 1,5: the cost is at least 2,5 × € 666.666,67 = € 1.666.666,675, so € 1.666.666,68;
    # the partners bring 1,5 × € 666.666,67 = € 1.000.000,005, so € 1.000.000,01 is enough.
    contributions = [{"partner": EMPLOYER, "kind": "cash", "amount": 600_000_01},
                     {"partner": PROVINCE, "kind": "cash", "amount": 400_000_00}]
    details = application(institution, requested_subsidy=666_666_67, total_cost=1_666_666_67,
                          contributions=contributions)
    assert check(details, min_contribution_ratio="1.5") == {"total_cost": [
        "De totale kosten moeten ten minste 2,5 keer de gevraagde subsidie zijn: ten minste "
        "€\xa01.666.666,68."]}
    details["total_cost"] = 1_666_666_68
    assert check(details, min_contribution_ratio="1.5") == {}


# --- Documents --------------------------------------------------------------------------------

def test_one_missing_document_is_named_alone(institution):
    details = application(institution)
    details["documents"] = details["documents"][:3]
    assert check(details) == {"documents": ["Nog niet bijgevoegd: samenwerkingsovereenkomst."]}


def test_three_missing_documents_are_listed_with_en_before_the_last(institution):
    details = application(institution)
    details["documents"] = details["documents"][3:]
    assert check(details) == {"documents": [
        "Nog niet bijgevoegd: regionale visie, actieplan en meerjarenbegroting."]}


def test_a_document_without_a_kind_is_missing_its_kind(institution):
    details = application(institution)
    details["documents"].append({"name": "bijlage.pdf"})
    assert check(details) == {"documents[4].kind": [REQUIRED]}


def test_a_required_document_without_a_label_is_named_by_its_code(institution):
    # An admin may require a kind the form has no Dutch label for.
    assert check(application(institution),
                 required_documents=["budget", "letter_of_support", "annex"]) == {
        "documents": ["Nog niet bijgevoegd: letter_of_support en annex."]}
