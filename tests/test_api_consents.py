"""Partner consent for sector plans through the API (issue 14): the filer files only for its
own organisation, and every other organisation named consents before submit."""

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ConsentAction,
    OrganisationKind,
    PartnerConsent,
    PartnerConsentEvent,
)
from grants.services.applications import delete_draft
from grants.services.tokens import create_token
from tests.factories import ApplicationFactory, OrganisationFactory, UserFactory
from tests.workflows.scenarios import Api


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def refused(response, status=422) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


@pytest.fixture
def member(client, clock):
    """member(organisation): the API as an applicant of that organisation sees it."""

    def _member(organisation) -> Api:
        user = UserFactory(organisation=organisation)
        return Api(client, create_token(user, clock())[1], user)

    return _member


@pytest.fixture
def fund(world):
    return OrganisationFactory(kind=OrganisationKind.OM_FUND, name="O&O-fonds Metaal")


def three_partners(world, fund) -> dict:
    return world.sectorplan(partners=[
        {"organisation": world.employers.id, "role": "employers"},
        {"organisation": world.employees.id, "role": "employees"},
        {"organisation": fund.id, "role": "other"}])


def submit(world, number):
    # Not Api.fire: that gives the partners' consent first.
    return world.applicant.call("POST", f"/applications/{number}/triggers/submit", {})


def consent(api: Api, number, body=None):
    return api.call("POST", f"/applications/{number}/consent", body)


def test_a_plan_naming_other_organisations_only_is_refused_on_save(world):
    error = refused(world.outsider.create(world.sectorplan()))
    assert list(error["fields"]) == ["lead_organisation"]
    message = error["fields"]["lead_organisation"][0]
    assert "Buitenstaander" in message and "eigen organisatie" in message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_a_draft_changed_to_leave_out_the_filer_is_refused_and_unchanged(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    error = refused(world.applicant.call("PATCH", f"/applications/{number}", {
        "lead_organisation": world.employees.id,
        "partners": [{"organisation": world.employees.id, "role": "employees"}]}))
    assert list(error["fields"]) == ["lead_organisation"]
    assert ok(world.applicant.get(number))["lead_organisation"] == world.employers.id


def test_a_draft_naming_nobody_yet_may_be_saved(world):
    body = world.sectorplan()
    del body["lead_organisation"], body["partners"]
    assert ok(world.outsider.create(body), 201)["state"] == "draft"


def test_a_foreign_named_plan_is_refused_on_submit(world, schemes, member):
    # Stored before the rule (or past it): submit still refuses it on the lead field, once
    # the plan is otherwise complete.
    outsider_org = world.outsider.user.organisation
    window = next(w for w in schemes["sectorplan"].windows if w.code == "T2")
    details = {"lead_organisation": world.employers.id, "sector": "Metaal", "region": "Noord",
               "partners": [{"organisation": world.employers.id, "role": "employers"},
                            {"organisation": world.employees.id, "role": "employees"}],
               "measures": [{"title": "Jongeren", "theme": "youth",
                             "eligible_cost": 100_000_00, "requested_subsidy": 50_000_00},
                            {"title": "Van werk naar werk", "theme": "work_to_work",
                             "eligible_cost": 20_000_00, "requested_subsidy": 10_000_00}],
               "starts_on": "2014-07-01", "ends_on": "2015-12-31"}
    application = ApplicationFactory(window=window, organisation=outsider_org, details=details)
    error = refused(world.outsider.call(
        "POST", f"/applications/{application.id}/triggers/submit", {}))
    assert "eigen organisatie" in error["fields"]["lead_organisation"][0]
    # Neither named organisation has consented either: both are listed.
    assert error["fields"]["partners"] == [
        "Metaalwerkgevers en Metaalbond moeten nog toestemming geven voor dit sectorplan. "
        "Vraag de organisaties dat te doen vanuit hun eigen account."]
    assert ok(world.outsider.get(application.id))["state"] == "draft"


def test_one_of_two_partners_consents_then_submit_names_the_other(world, fund, member):
    number = ok(world.applicant.create(three_partners(world, fund)), 201)["id"]
    union = member(world.employees)
    given = ok(consent(union, number), 201)
    assert given == {"application": number, "reference": "SP-T2-00001",
                     "organisation": world.employees.id, "name": "Metaalbond",
                     "consented": True, "at": "2014-04-01T09:00:00+02:00", "filer": False}

    error = refused(submit(world, number))
    assert error["fields"] == {"partners": [
        "O&O-fonds Metaal moet nog toestemming geven voor dit sectorplan. Vraag de "
        "organisatie dat te doen vanuit haar eigen account."]}
    assert ok(world.applicant.get(number))["state"] == "draft"

    ok(consent(member(fund), number), 201)
    assert ok(submit(world, number))["state"] == "submitted"


def test_a_second_consent_is_idempotent(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    union = member(world.employees)
    first = ok(consent(union, number, {}), 201)
    second = ok(consent(member(world.employees), number), 200)
    assert second["at"] == first["at"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerConsent)) == 1


def test_get_lists_the_consents_of_every_named_organisation(world, fund, member, clock):
    number = ok(world.applicant.create(three_partners(world, fund)), 201)["id"]
    clock.advance(hours=2)
    ok(consent(member(fund), number), 201)
    assert ok(world.applicant.get(number))["consents"] == [
        {"organisation": world.employers.id, "name": "Metaalwerkgevers", "consented": True,
         "at": None, "filer": True},
        {"organisation": world.employees.id, "name": "Metaalbond", "consented": False,
         "at": None, "filer": False},
        {"organisation": fund.id, "name": "O&O-fonds Metaal", "consented": True,
         "at": "2014-04-01T11:00:00+02:00", "filer": False},
    ]


def test_other_schemes_have_no_consents(world):
    body = ok(world.rif_applicant.create(world.rif()), 201)
    assert "consents" not in body


def test_changing_partners_after_consent_withdraws_it(world, fund, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(consent(member(world.employees), number), 201)
    # A change of the title alone is not what the partner consented to: the consent stands.
    ok(world.applicant.call("PATCH", f"/applications/{number}", {"title": "Metaal 2014"}))
    assert [c["consented"] for c in ok(world.applicant.get(number))["consents"]] == [True, True]

    ok(world.applicant.call("PATCH", f"/applications/{number}",
                            {"partners": three_partners(world, fund)["partners"]}))
    consents = ok(world.applicant.get(number))["consents"]
    assert [(c["name"], c["consented"]) for c in consents] == [
        ("Metaalwerkgevers", True), ("Metaalbond", False), ("O&O-fonds Metaal", False)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerConsent)) == 0
    events = db.session.scalars(sa.select(PartnerConsentEvent)
                                .order_by(PartnerConsentEvent.id)).all()
    assert [(e.action, e.organisation_id, e.actor_id) for e in events] == [
        (ConsentAction.GIVEN, world.employees.id, events[0].actor_id),
        (ConsentAction.WITHDRAWN, world.employees.id, world.applicant.user.id)]
    error = refused(submit(world, number))
    assert "Metaalbond en O&O-fonds Metaal moeten" in error["fields"]["partners"][0]


def test_changing_a_measure_after_consent_withdraws_it(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(consent(member(world.employees), number), 201)
    measures = world.sectorplan()["measures"]
    measures[1]["requested_subsidy"] = "166.00"
    ok(world.applicant.call("PATCH", f"/applications/{number}", {"measures": measures}))
    assert not ok(world.applicant.get(number))["consents"][1]["consented"]


def test_a_consent_to_other_content_counts_as_missing(world, member):
    # Even where no change went through the service (and so withdrew nothing), a consent
    # holds only for the content it names.
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(consent(member(world.employees), number), 201)
    application = db.session.get(Application, number)
    application.details = {**application.details, "sector": "Metaal"}
    db.session.commit()
    assert ok(world.applicant.get(number))["consents"][1]["consented"] is True
    measures = [dict(measure) for measure in application.details["measures"]]
    measures[0]["title"] = "Leerwerkplekken voor jongeren en ouderen"
    application.details = {**application.details, "measures": measures}
    db.session.commit()
    assert ok(world.applicant.get(number))["consents"][1]["consented"] is False
    assert "Metaalbond" in refused(submit(world, number))["fields"]["partners"][0]


def test_an_organisation_not_named_gets_404(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    assert refused(consent(world.outsider, number), 404)["code"] == "not_found"
    assert refused(consent(member(world.institution), number), 404)["code"] == "not_found"
    assert refused(consent(world.outsider, 999_999), 404)["code"] == "not_found"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerConsent)) == 0


def test_staff_cannot_consent(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    refused(consent(world.assessor, number), 403)


def test_a_partner_does_not_see_the_application_itself(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    union = member(world.employees)
    ok(consent(union, number), 201)
    refused(union.get(number), 404)
    assert ok(union.call("GET", "/applications"))["total"] == 0


def test_consent_after_submit_is_409(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    union = member(world.employees)
    ok(consent(union, number), 201)
    ok(submit(world, number))
    error = refused(consent(union, number), 409)
    assert "Ingediend" in error["message"]


def test_the_filers_own_organisation_needs_no_consent(world):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    body = ok(consent(world.applicant, number), 200)
    assert (body["organisation"], body["consented"], body["filer"]) == (
        world.employers.id, True, True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerConsent)) == 0


def test_consent_is_asked_again_when_completing_on_request(world, member, fund):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(consent(member(world.employees), number), 201)
    ok(submit(world, number))
    ok(world.assessor.fire(number, "request_information", {"reason": "Partner ontbreekt."}))
    ok(world.applicant.call("PATCH", f"/applications/{number}",
                            {"partners": three_partners(world, fund)["partners"]}))
    error = refused(world.applicant.call(
        "POST", f"/applications/{number}/triggers/provide_information", {}))
    assert list(error["fields"]) == ["partners"]
    ok(consent(member(world.employees), number), 201)
    ok(consent(member(fund), number), 201)
    assert ok(world.applicant.call(
        "POST", f"/applications/{number}/triggers/provide_information", {}))["state"] \
        == "submitted"


def test_deleting_a_draft_takes_its_consents_along(world, member):
    number = ok(world.applicant.create(world.sectorplan()), 201)["id"]
    ok(consent(member(world.employees), number), 201)
    delete_draft(number, world.applicant.user)
    db.session.commit()
    assert db.session.get(Application, number) is None
    for model in (PartnerConsent, PartnerConsentEvent):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
