"""A sector plan's completeness checks (grants/workflows/fields/sectorplan.py) at their edges, each
stated with hand-computed figures and the full message a user reads, so that no small change to
them goes unnoticed (issue 19; bench/mutation.py --module grants/workflows/fields/sectorplan.py).

Rules (shared/domain.md §1): a partnership of at least one employers' and one employees'
organisation, each in its own role; the lead applicant is one of them, an O&O-fund or a knowledge
centre for vocational education, and is itself a partner; a plan of measures, each with a cost
above € 0 and a subsidy of at most 50% of that cost (rounded down to the cent), addressing at
least 2 themes together. Every partner is checked, whatever an earlier one got wrong, and each
message names the field and the figure a user needs.

Mutants that cannot change behaviour (read by bench/mutation.py). _check_partners returns the
kind of each partner found, but its one caller (_check_lead) only asks whether the lead is among
the keys; the kinds stored as values are never read:

equivalent: grants.workflows.fields.sectorplan.x__check_partners__mutmut_57 — values unread
"""

import pytest

from grants.models import OrganisationKind
from grants.workflows.fields import sectorplan
from tests.factories import OrganisationFactory

RULES = sectorplan.DEFAULT_RULES
REQUIRED = "Dit veld is verplicht."
NEEDS_EMPLOYERS = ("Ten minste één partner moet een werkgeversorganisatie zijn met de rol "
                   "werkgevers (employers).")
NEEDS_EMPLOYEES = ("Ten minste één partner moet een werknemersorganisatie zijn met de rol "
                   "werknemers (employees).")
LEAD_AMONG_PARTNERS = "De hoofdaanvrager moet ook bij de partners staan."


@pytest.fixture
def employers():
    return OrganisationFactory(kind=OrganisationKind.EMPLOYERS_ORGANISATION).id


@pytest.fixture
def employees():
    return OrganisationFactory(kind=OrganisationKind.EMPLOYEES_ORGANISATION).id


def measure(theme="youth", cost=100_000_00, subsidy=50_000_00, title="Leerwerkplekken"):
    # Stored details hold cents (parse() turned the API's "1000.00" into 100000).
    return {key: value for key, value in (("title", title), ("theme", theme),
                                          ("eligible_cost", cost), ("requested_subsidy", subsidy))
            if value is not None}


def plan(lead, partners, measures=None):
    return {
        "lead_organisation": lead, "partners": partners, "sector": "Metaal en techniek",
        "region": "Oost-Nederland",
        "measures": [measure("youth"), measure("work_to_work")] if measures is None else measures,
        "starts_on": "2014-01-01", "ends_on": "2015-12-31",
    }


def partnership(employers, employees, *more):
    return [{"organisation": employers, "role": "employers"}, *more,
            {"organisation": employees, "role": "employees"}]


def check(details, **rules):
    return sectorplan.check_complete(details, {**RULES, **rules}, window_code="T2")


# --- Partners ---------------------------------------------------------------------------------

def test_a_bad_partner_does_not_stop_the_check_of_the_good_ones_after_it(employers, employees):
    # partners[0] names no organisation, [1] an unknown one, [2] repeats the employers'
    # organisation: each is reported on its own path, and the good ones after them still
    # count, so the partnership and the lead (the employers' organisation) stand.
    partners = [{"role": "other"}, {"organisation": 999_999, "role": "other"},
                {"organisation": employers, "role": "employers"},
                {"organisation": employers, "role": "other"},
                {"organisation": employees, "role": "employees"}]
    assert check(plan(employers, partners)) == {
        "partners[0].organisation": [REQUIRED],
        "partners[1].organisation": ["Er is geen organisatie met nummer 999999."],
        "partners[3].organisation": ["Deze organisatie staat al bij de partners."],
    }


def test_a_partner_without_a_role_fills_no_role(employers, employees):
    # The employees' organisation is listed without its role: the role is missing, and nobody
    # takes the employees' role.
    partners = [{"organisation": employers, "role": "employers"},
                {"organisation": employees}]
    assert check(plan(employers, partners)) == {
        "partners": [NEEDS_EMPLOYEES],
        "partners[1].role": [REQUIRED],
    }


def test_no_partners_is_one_message_not_three(employers):
    # The lead is then not among the partners either.
    assert check(plan(employers, [])) == {
        "partners": ["Voeg de partners van het samenwerkingsverband toe."],
        "lead_organisation": [LEAD_AMONG_PARTNERS],
    }


def test_each_side_of_the_partnership_in_its_own_role(employers, employees):
    # Swapped roles: neither organisation takes the role that counts.
    partners = [{"organisation": employers, "role": "employees"},
                {"organisation": employees, "role": "employers"}]
    assert check(plan(employers, partners)) == {"partners": [NEEDS_EMPLOYERS, NEEDS_EMPLOYEES]}


# --- Lead applicant ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [OrganisationKind.KNOWLEDGE_CENTRE, OrganisationKind.OM_FUND])
def test_a_knowledge_centre_or_an_om_fund_may_lead(employers, employees, kind):
    lead = OrganisationFactory(kind=kind).id
    partners = partnership(employers, employees, {"organisation": lead, "role": "other"})
    assert check(plan(lead, partners)) == {}


def test_the_employees_organisation_may_lead(employers, employees):
    assert check(plan(employees, partnership(employers, employees))) == {}


def test_a_lead_of_another_kind_is_told_who_may_lead(employers, employees):
    lead = OrganisationFactory(kind=OrganisationKind.EMPLOYER).id
    partners = partnership(employers, employees, {"organisation": lead, "role": "other"})
    assert check(plan(lead, partners)) == {"lead_organisation": [
        "De hoofdaanvrager moet een werkgeversorganisatie, werknemersorganisatie, o&o-fonds of "
        "kenniscentrum beroepsonderwijs zijn, geen werkgever."]}


def test_an_unknown_lead_is_named_and_nothing_more_is_said_of_it(employers, employees):
    assert check(plan(999_998, partnership(employers, employees))) == {
        "lead_organisation": ["Er is geen organisatie met nummer 999998."]}


def test_a_missing_lead_is_only_missing(employers, employees):
    details = plan(None, partnership(employers, employees))
    del details["lead_organisation"]
    assert check(details) == {"lead_organisation": [REQUIRED]}


def test_a_lead_that_is_no_partner(employers, employees):
    om_fund = OrganisationFactory(kind=OrganisationKind.OM_FUND).id
    assert check(plan(om_fund, partnership(employers, employees))) == {
        "lead_organisation": [LEAD_AMONG_PARTNERS]}


# --- Measures ---------------------------------------------------------------------------------

def test_one_cent_of_cost_allows_no_cent_of_subsidy(employers, employees):
    # 50% of € 0,01 is € 0,005, rounded down € 0,00: a subsidy of € 0,01 is too much. The cost
    # itself (€ 0,01 > € 0) is fine.
    details = plan(employers, partnership(employers, employees),
                   [measure("youth", cost=1, subsidy=1), measure("work_to_work")])
    assert check(details) == {"measures[0].requested_subsidy": [
        "De subsidie is hoogstens 50% van de subsidiabele kosten van deze maatregel: ten "
        "hoogste €\xa00,00."]}


def test_exactly_half_of_two_cents_is_allowed(employers, employees):
    # 50% of € 0,02 = € 0,01: allowed.
    details = plan(employers, partnership(employers, employees),
                   [measure("youth", cost=2, subsidy=1), measure("work_to_work")])
    assert check(details) == {}


def test_a_cost_or_subsidy_of_zero_is_refused_on_its_own_field(employers, employees):
    # A cost of € 0 allows no share at all, but the message is about the cost, not the share.
    details = plan(employers, partnership(employers, employees),
                   [measure("youth", cost=0, subsidy=1), measure("work_to_work", subsidy=0)])
    assert check(details) == {
        "measures[0].eligible_cost": ["De subsidiabele kosten moeten meer dan € 0 zijn."],
        "measures[1].requested_subsidy": ["Het gevraagde bedrag moet meer dan € 0 zijn."],
    }


def test_a_measure_missing_its_amounts_is_only_missing_them(employers, employees):
    details = plan(employers, partnership(employers, employees),
                   [measure("youth", cost=None, subsidy=None, title=None),
                    measure("work_to_work", cost=None)])
    assert check(details) == {
        "measures[0].title": [REQUIRED],
        "measures[0].eligible_cost": [REQUIRED],
        "measures[0].requested_subsidy": [REQUIRED],
        "measures[1].eligible_cost": [REQUIRED],
    }


def test_a_share_that_is_not_whole_is_printed_the_dutch_way(employers, employees):
    # 37,5% of € 1.000,00 = € 375,00; € 375,01 is too much.
    details = plan(employers, partnership(employers, employees),
                   [measure("youth", cost=1_000_00, subsidy=375_01),
                    measure("work_to_work", cost=1_000_00, subsidy=375_00)])
    assert check(details, max_subsidy_share_percent="37.5") == {
        "measures[0].requested_subsidy": [
            "De subsidie is hoogstens 37,5% van de subsidiabele kosten van deze maatregel: ten "
            "hoogste €\xa0375,00."]}


def test_no_measures(employers, employees):
    assert check(plan(employers, partnership(employers, employees), [])) == {
        "measures": ["Voeg ten minste één maatregel toe."]}


def test_themes_counted_are_the_distinct_ones_given(employers, employees):
    # Three measures, themes youth, youth and none (missing): 1 distinct theme, 2 needed.
    details = plan(employers, partnership(employers, employees),
                   [measure("youth"), measure("youth"), measure(None)])
    assert check(details) == {
        "measures[2].theme": [REQUIRED],
        "measures": ["De maatregelen moeten samen ten minste 2 verschillende thema's "
                     "behandelen; nu 1."]}
    # Exactly the minimum is enough: 3 themes where 3 are asked.
    details["measures"][2]["theme"] = "mobility"
    details["measures"][1]["theme"] = "training"
    assert check(details, min_themes=3) == {}


def test_requested_is_the_sum_of_the_measures_subsidies():
    # € 500,00 + € 0,01 + (not yet given) = € 500,01; objects that are no measure are skipped.
    details = {"measures": [{"requested_subsidy": 500_00}, {"requested_subsidy": 1},
                            {"title": "Nog open"}, "geen maatregel"]}
    assert sectorplan.requested_cents(details) == 500_01
    assert sectorplan.requested_cents(details, RULES) == 500_01
