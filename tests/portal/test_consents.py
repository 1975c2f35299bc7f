"""Partner consent in the portal (issue 14): the partner's page of plans that name its
organisation, the read-only plan with the "Toestemming geven" button, and the filer's side:
consent status on the application page and submit refused while a partner has not consented."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, ApplicationState, OrganisationKind, PartnerConsent
from tests.conftest import csrf_token
from tests.factories import OrganisationFactory, UserFactory
from tests.portal.conftest import edit_form, error_for, summary_links


def plain(text: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def application(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def created(response) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def union_member(world, session_for):
    """An applicant of the employees' organisation (Metaalbond), logged in on the web."""
    return session_for(UserFactory(organisation=world.employees, name="Bea Bond"))


def consents() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PartnerConsent))


def test_the_partner_sees_the_plan_and_consents(world, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    listing = plain(union_member.text("/portaal/toestemming"))
    assert "1 sectorplan wacht op uw toestemming." in listing
    assert "Sectorplan metaal SP-T2-00001 Metaalwerkgevers € 500.166,66 Nog niet gegeven" \
        in listing

    page = plain(union_member.text(f"/portaal/toestemming/{number}"))
    assert "Hoofdaanvrager Metaalwerkgevers" in page
    assert "Metaalwerkgevers Werkgevers" in page and "Metaalbond Werknemers" in page
    assert "Leerwerkplekken voor jongeren Jongeren € 1.000.000,00 € 500.000,00" in page
    assert "Van werk naar werk Van werk naar werk € 333,33 € 166,66" in page
    assert "Totaal € 1.000.333,33 € 500.166,66" in page
    assert "Toestemming geven" in page

    response = union_member.post(f"/portaal/toestemming/{number}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portaal/toestemming")
    listing = plain(union_member.text("/portaal/toestemming"))
    assert "U heeft namens Metaalbond toestemming gegeven voor sectorplan SP-T2-00001." \
        in listing
    assert "Geen sectorplan wacht op uw toestemming." in listing
    assert "Gegeven op 1 april 2014 09:00" in listing
    page = plain(union_member.text(f"/portaal/toestemming/{number}"))
    assert "Metaalbond gaf op 1 april 2014 09:00 toestemming voor dit plan (Bea Bond)." in page
    assert 'value="csrf' not in page and "Toestemming geven</button>" not in page
    assert consents() == 1

    # A second press changes nothing.
    again = union_member.post(f"/portaal/toestemming/{number}")
    assert again.status_code == 303
    assert "had al toestemming gegeven" in plain(union_member.text("/portaal/toestemming"))
    assert consents() == 1


def test_consent_needs_the_csrf_token(world, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    response = union_member.client.post(f"/portaal/toestemming/{number}", data={})
    assert response.status_code == 400
    assert consents() == 0


def test_an_organisation_not_named_sees_nothing(world, session_for):
    number = created(world.applicant.create(world.sectorplan()))
    stranger = session_for(world.outsider.user)
    assert "Sectorplan metaal" not in stranger.text("/portaal/toestemming")
    assert stranger.get(f"/portaal/toestemming/{number}").status_code == 404
    assert stranger.post(f"/portaal/toestemming/{number}").status_code == 404
    assert consents() == 0


def test_the_partner_reads_the_plan_only_through_the_consent_page(world, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    assert union_member.get(f"/portaal/aanvragen/{number}").status_code == 404
    assert union_member.get(f"/portaal/aanvragen/{number}/bewerken").status_code == 404
    assert "Sectorplan metaal" not in union_member.text("/portaal/")


def test_after_submit_the_plan_is_no_longer_asking(world, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    assert union_member.post(f"/portaal/toestemming/{number}").status_code == 303
    submitted = world.applicant.call("POST", f"/applications/{number}/triggers/submit", {})
    assert submitted.status_code == 200, submitted.get_json()
    assert "Sectorplan metaal" not in union_member.text("/portaal/toestemming")
    assert union_member.get(f"/portaal/toestemming/{number}").status_code == 404
    response = union_member.post(f"/portaal/toestemming/{number}")
    assert response.status_code == 303
    assert "Toestemming geven kan alleen zolang het sectorplan niet is ingediend" in plain(
        union_member.text("/portaal/toestemming"))


def test_the_filers_page_shows_each_consent_and_who_is_missing(world, applicant,
                                                               union_member):
    fund = OrganisationFactory(kind=OrganisationKind.OM_FUND, name="O&O-fonds Metaal")
    number = created(world.applicant.create(world.sectorplan(partners=[
        {"organisation": world.employers.id, "role": "employers"},
        {"organisation": world.employees.id, "role": "employees"},
        {"organisation": fund.id, "role": "other"}])))
    assert union_member.post(f"/portaal/toestemming/{number}").status_code == 303
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Toestemming van de partners" in page
    assert "O&O-fonds Metaal moet nog toestemming geven voor dit sectorplan." in page
    assert "Metaalwerkgevers Uw organisatie (aanvrager)" in page
    assert "Metaalbond Gegeven op 1 april 2014 09:00 door Bea Bond" in page
    assert "O&O-fonds Metaal Nog niet gegeven" in page


def test_submitting_without_consent_names_the_partner_in_the_summary(world, applicant):
    number = created(world.applicant.create(world.sectorplan()))
    form = edit_form(application(number), world, action="submit")
    response = applicant.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = ("Metaalbond moet nog toestemming geven voor dit sectorplan. Vraag de organisatie "
               "dat te doen vanuit haar eigen account.")
    assert ("partners-error", message) in summary_links(html)
    assert error_for(html, "partners") == message
    assert "Uw aanvraag is nog niet ingediend: het sectorplan kan nog niet worden ingediend." \
        in plain(html)
    assert application(number).state == ApplicationState.DRAFT


def test_a_changed_partner_list_asks_again_on_the_page(world, applicant, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    assert union_member.post(f"/portaal/toestemming/{number}").status_code == 303
    fund = OrganisationFactory(kind=OrganisationKind.OM_FUND, name="O&O-fonds Metaal")
    form = edit_form(application(number), world, **{
        "partners-2-organisation": str(fund.id), "partners-2-role": "other"})
    assert applicant.post(f"/portaal/aanvragen/{number}/bewerken", form).status_code == 303
    page = plain(applicant.text(f"/portaal/aanvragen/{number}"))
    assert "Metaalbond en O&O-fonds Metaal moeten nog toestemming geven" in page
    assert "Toestemming vervallen, Metaalbond (Het sectorplan is gewijzigd" in page
    assert "Nog niet gegeven" in plain(union_member.text("/portaal/toestemming"))


def test_a_plan_filed_in_other_names_is_refused_on_the_lead_field(world, session_for):
    body = world.sectorplan()
    del body["lead_organisation"], body["partners"]
    number = created(world.outsider.create(body))
    outsider = session_for(world.outsider.user)
    form = edit_form(application(number), world, action="submit")
    response = outsider.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = error_for(html, "lead_organisation")
    assert "Uw eigen organisatie (Buitenstaander) moet de hoofdaanvrager zijn" in message
    assert ("lead_organisation", message) in [(a, plain(t).strip())
                                              for a, t in summary_links(html)]
    assert "lead_organisation" not in (application(number).details or {})


def test_the_consent_page_has_a_heading_and_labelled_tables(world, union_member):
    number = created(world.applicant.create(world.sectorplan()))
    html = union_member.text(f"/portaal/toestemming/{number}")
    assert html.count("<h1>") == 1
    assert '<caption id="partners-caption">Partners</caption>' in html
    assert csrf_token(union_member.client, f"/portaal/toestemming/{number}")


def test_the_partners_start_page_says_how_many_plans_wait_for_its_consent(world, union_member):
    assert "Sectorplannen waarin uw organisatie partner is" in plain(union_member.text("/portaal/"))
    number = created(world.applicant.create(world.sectorplan()))
    home = plain(union_member.text("/portaal/"))
    assert "1 sectorplan van een andere organisatie wacht op uw toestemming" in home
    union_member.post(f"/portaal/toestemming/{number}")
    assert "wacht op uw toestemming" not in plain(union_member.text("/portaal/"))
