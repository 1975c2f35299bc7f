"""Praktijkleren eligibility through the API (domain.md §2): weeks within the contract, one
full place per student per study year across all applications, the erkend leerbedrijf id for mbo
only, and promovendi counted by months and hours."""

from datetime import UTC, datetime

import pytest

from grants.extensions import db
from grants.models import Application, OrganisationKind, Role
from grants.services.tokens import create_token
from tests.factories import OrganisationFactory, UserFactory
from tests.workflows.scenarios import EMPLOYER_IBAN, Api

IN_WINDOW = datetime(2014, 9, 1, 10, tzinfo=UTC)  # window 2013-2014: 2 June – 15 September


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refused(response, status=422) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def sanne(**changes) -> dict:
    return {"student_name": "Sanne de Vries", "category": "mbo", "programme_code": "25180",
            "school": "ROC Noorderpoort", "starts_on": "2013-09-01", "ends_on": "2014-06-30",
            "weeks": 40, **changes}


def daan(**changes) -> dict:
    return {"student_name": "Daan Visser", "category": "promovendus",
            "programme_code": "60370", "school": "TU Delft", "starts_on": "2013-09-01",
            "ends_on": "2014-06-30", "months": 10, "hours_per_week": 24, **changes}


@pytest.fixture
def other_employer(world, client, clock):
    """An applicant of a second employer, who may never read the first one's data."""
    # Confirmed with the IBAN World.praktijkleren names: an application may name no other.
    organisation = OrganisationFactory(kind=OrganisationKind.EMPLOYER,
                                       name="Bouwbedrijf Oost", iban=EMPLOYER_IBAN)
    user = UserFactory(role=Role.APPLICANT, organisation=organisation, name="bouw")
    return Api(client, create_token(user, clock())[1], user)


@pytest.fixture
def submitted(world, clock):
    """Submit a praktijkleren application with these places for ``api``; its id."""
    clock.moment = IN_WINDOW

    def _submit(api, places: list[dict], **changes) -> int:
        number = ok(api.create(world.praktijkleren(places=places, **changes)), 201)["id"]
        ok(api.fire(number, "submit"))
        return number

    return _submit


def draft(world, api, places: list[dict]) -> int:
    return ok(api.create(world.praktijkleren(places=places)), 201)["id"]


def reference(number: int) -> str:
    return db.session.get(Application, number).reference


# Weeks claimed ≤ the weeks of the contract within the study year --------------------------------

def test_weeks_beyond_the_contract_are_refused_at_submit(world, clock):
    clock.moment = IN_WINDOW
    # 1 September – 31 December 2013: 122 days; 122 ÷ 7 = 17,4, so 18 started weeks.
    number = draft(world, world.employer_applicant, [sanne(ends_on="2013-12-31", weeks=19)])
    error = refused(world.employer_applicant.fire(number, "submit"))
    assert error["fields"] == {"places[0].weeks": [
        "19 weken is meer dan de 18 weken die de plaats in het studiejaar loopt (1 september "
        "2013 tot en met 31 december 2013; een begonnen week telt als hele week)."]}
    assert world.employer_applicant.get(number).get_json()["state"] == "draft"


# The erkend leerbedrijf id, for mbo places only -------------------------------------------------

def test_an_employer_with_only_hbo_and_promovendus_places_applies_without_the_id(world, submitted):
    places = [sanne(category="hbo", programme_code="34820", weeks=42), daan()]
    number = submitted(world.employer_applicant, places, employer_id=None)
    assert world.employer_applicant.get(number).get_json()["state"] == "submitted"


def test_an_mbo_place_needs_the_id(world, clock):
    clock.moment = IN_WINDOW
    number = ok(world.employer_applicant.create(
        world.praktijkleren(places=[sanne()], employer_id=None)), 201)["id"]
    error = refused(world.employer_applicant.fire(number, "submit"))
    assert error["fields"] == {"employer_id": ["Dit veld is verplicht."]}


# Promovendi and toio's: months and hours ---------------------------------------------------------

def test_a_promovendus_ten_months_at_24_hours_asks_1500_euros(world, clock):
    clock.moment = IN_WINDOW
    # 10/12 × min(24, 36)/36 = 5/9 of a place; € 2.700 × 5/9 = € 1.500,00.
    created = ok(world.employer_applicant.create(world.praktijkleren(places=[daan()])), 201)
    assert created["requested_amount"] == "1500.00"
    assert created["places"][0]["months"] == 10
    assert created["places"][0]["hours_per_week"] == 24
    assert created["places"][0]["weeks"] is None


def test_hours_above_36_count_as_36(world, clock):
    clock.moment = IN_WINDOW
    # 10/12 × 36/36 = 5/6; € 2.700 × 5/6 = € 2.250,00.
    created = ok(world.employer_applicant.create(
        world.praktijkleren(places=[daan(hours_per_week=40)])), 201)
    assert created["requested_amount"] == "2250.00"


# One student, at most one full place a year, across all applications ---------------------------

def test_a_student_in_another_organisations_application_is_refused_without_naming_it(
        world, submitted, other_employer):
    submitted(world.employer_applicant, [sanne(weeks=30)])  # 30/40 = 3/4 place
    number = draft(world, other_employer, [sanne(school="ROC Oost", weeks=20)])  # + 1/2 > 1
    error = refused(other_employer.fire(number, "submit"))
    assert error["fields"] == {"places[0].weeks": [
        "Deze student telt in een andere aanvraag voor dit studiejaar al voor 0,75 volledige "
        "plaats; met deze plaats erbij is dat meer dan één volledige plaats in het "
        "studiejaar."]}
    assert "PL-" not in str(error) and "Installatiebedrijf" not in str(error)
    assert other_employer.get(number).get_json()["state"] == "draft"


def test_two_halves_in_two_applications_make_one_place(world, submitted, other_employer):
    submitted(world.employer_applicant, [sanne(weeks=20)])
    # 20/40 + 20/40 = 1: exactly one full place is allowed.
    number = submitted(other_employer, [sanne(weeks=20)])
    assert other_employer.get(number).get_json()["state"] == "submitted"


def test_the_own_organisations_other_application_is_named(world, submitted):
    first = submitted(world.employer_applicant, [sanne()])
    number = draft(world, world.employer_applicant, [sanne(weeks=1)])
    error = refused(world.employer_applicant.fire(number, "submit"))
    assert error["fields"]["places[0].weeks"][0].startswith(
        f"Deze student telt in uw aanvraag {reference(first)} al voor 1 volledige plaats;")


def test_drafts_and_withdrawn_applications_do_not_count(world, submitted, other_employer):
    draft(world, world.employer_applicant, [sanne()])
    withdrawn = submitted(world.employer_applicant, [sanne()])
    ok(world.employer_applicant.fire(withdrawn, "withdraw", {"reason": "Dubbel ingediend."}))
    number = submitted(other_employer, [sanne()])
    assert other_employer.get(number).get_json()["state"] == "submitted"


def test_the_student_number_identifies_the_student_across_applications(
        world, submitted, other_employer):
    submitted(world.employer_applicant, [sanne(student_number="ROC881")])
    number = draft(world, other_employer,
                   [sanne(student_name="S. de Vries", student_number="roc 881", weeks=1)])
    assert list(refused(other_employer.fire(number, "submit"))["fields"]) == [
        "places[0].weeks"]


def test_a_namesake_with_another_date_of_birth_is_another_student(
        world, submitted, other_employer):
    submitted(world.employer_applicant, [sanne(date_of_birth="1996-03-14")])
    number = submitted(other_employer, [sanne(date_of_birth="1998-11-02")])
    assert other_employer.get(number).get_json()["state"] == "submitted"


def test_another_study_year_does_not_count(world, submitted, other_employer, clock):
    submitted(world.employer_applicant, [sanne()])
    clock.moment = datetime(2015, 9, 1, 10, tzinfo=UTC)  # window 2014-2015
    number = ok(other_employer.create(world.praktijkleren(
        window="2014-2015", places=[sanne(starts_on="2014-09-01", ends_on="2015-06-30")])),
        201)["id"]
    assert ok(other_employer.fire(number, "submit"))["state"] == "submitted"


def test_a_promovendus_across_applications_counts_by_months(world, submitted, other_employer):
    submitted(world.employer_applicant, [daan()])  # 10/12 × 24/36 = 5/9
    # 6/12 × 36/36 = 1/2; 5/9 + 1/2 = 19/18 > 1.
    number = draft(world, other_employer, [daan(starts_on="2014-01-01", months=6,
                                                hours_per_week=36)])
    error = refused(other_employer.fire(number, "submit"))
    assert error["fields"] == {"places[0].months": [
        "Deze student telt in een andere aanvraag voor dit studiejaar al voor 0,556 volledige "
        "plaats; met deze plaats erbij is dat meer dan één volledige plaats in het "
        "studiejaar."]}


def test_providing_information_is_checked_again(world, submitted, other_employer):
    submitted(world.employer_applicant, [sanne(weeks=20)])
    number = submitted(other_employer, [sanne(weeks=20)])
    ok(world.assessor.fire(number, "request_information", {"reason": "Klopt het aantal weken?"}))
    ok(other_employer.call("PATCH", f"/applications/{number}", {"places": [sanne(weeks=21)]}))
    error = refused(other_employer.fire(number, "provide_information"))
    assert list(error["fields"]) == ["places[0].weeks"]


def test_the_assessor_sees_the_other_applications_reference(world, submitted, other_employer):
    first = submitted(world.employer_applicant, [sanne(weeks=30)])
    # Submitted at the same moment, neither saw the other: told apart by programme, then the
    # second turns out to be the same programme (as two simultaneous submissions would be).
    second = submitted(other_employer, [sanne(programme_code="25181", weeks=30)])
    application = db.session.get(Application, second)
    application.details = {**application.details, "places": [sanne(weeks=30)]}
    db.session.flush()
    ok(world.assessor.fire(second, "start_assessment"))
    error = refused(world.assessor.fire(second, "record_assessment"))
    assert error["fields"] == {"places[0].weeks": [
        f"Deze student telt in aanvraag {reference(first)} al voor 0,75 volledige plaats; met "
        f"deze plaats erbij is dat meer dan één volledige plaats in het studiejaar."]}
    assert world.assessor.get(second).get_json()["state"] == "in_assessment"
