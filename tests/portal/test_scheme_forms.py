"""The RIF and praktijkleren forms: their own fields, rows and errors."""

import re

from grants.extensions import db
from grants.models import Application, ApplicationState
from tests.portal.conftest import error_for


def application(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def rif_form(application, **overrides) -> dict:
    data = {
        "version": str(application.version), "title": "Praktijkcentrum techniek",
        "region": "Noord", "starts_on": "2014-08-01", "ends_on": "2017-12-31",
        "requested_subsidy": "500.000,00", "total_cost": "1600000",
        "partners-0-name": "Techniekbedrijf Noord BV", "partners-0-kind": "employer",
        "partners-1-name": "Provincie Groningen", "partners-1-kind": "regional_government",
        "contributions-0-partner": "Techniekbedrijf Noord BV",
        "contributions-0-kind": "cash", "contributions-0-amount": "600.000,00",
        "contributions-1-partner": "Provincie Groningen",
        "contributions-1-kind": "in_kind", "contributions-1-amount": "400.000,00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_rif_application_is_filled_in_and_submitted_once_its_window_opens(
        world, login_as, web, clock):
    login_as(world.rif_applicant.user)
    number = world.rif_applicant.create(world.rif(partners=[], contributions=[])).get_json()["id"]
    page = web.text(f"/portaal/aanvragen/{number}/bewerken")
    assert "Aanvrager: ROC Noord, namens het samenwerkingsverband." in page
    early = web.post(f"/portaal/aanvragen/{number}/bewerken",
                     rif_form(application(number), action="submit"))
    assert early.status_code == 422
    assert "<li>Aanvragen kan vanaf 12 mei 2014 00:00.</li>" in early.get_data(as_text=True)
    assert application(number).details["contributions"]  # saved as draft all the same

    clock.advance(days=41)  # 12 May 2014
    response = web.post(f"/portaal/aanvragen/{number}/bewerken",
                        rif_form(application(number), action="submit"))
    assert response.status_code == 303, response.get_data(as_text=True)
    saved = application(number)
    assert saved.state == ApplicationState.SUBMITTED
    assert saved.details["contributions"][1] == {
        "partner": "Provincie Groningen", "kind": "in_kind", "amount": 40_000_000}
    assert saved.details["total_cost"] == 160_000_000


def test_rif_contributions_must_name_a_partner(world, login_as, web, clock):
    clock.advance(days=41)
    login_as(world.rif_applicant.user)
    number = world.rif_applicant.create(world.rif()).get_json()["id"]
    response = web.post(f"/portaal/aanvragen/{number}/bewerken", rif_form(
        application(number), action="submit",
        **{"contributions-1-partner": "Gemeente Groningen"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "staat niet bij de partners" in error_for(html, "contributions-1-partner")
    assert "ten minste 2 keer de gevraagde subsidie" in error_for(html, "contributions")
    # The partner names are offered while typing a contribution's partner.
    assert '<option value="Provincie Groningen">' in html
    assert application(number).state == ApplicationState.DRAFT


def test_praktijkleren_form_keeps_the_places_and_links_to_the_csv_upload(world, login_as, web):
    login_as(world.employer_applicant.user)
    created = world.employer_applicant.create(world.praktijkleren(iban=None))
    number = created.get_json()["id"]
    page = web.text(f"/portaal/aanvragen/{number}/bewerken")
    assert "Deze aanvraag heeft 2 plaatsen." in page
    assert "Sanne de Vries" in page
    assert f'href="/aanvragen/{number}/plaatsen"' in page
    form = {"version": str(application(number).version), "title": "Praktijkleren 2013/14",
            "employer_id": "100234", "iban": "NL91 ABNA 0417 1643 01"}
    response = web.post(f"/portaal/aanvragen/{number}/bewerken", form)
    assert response.status_code == 422
    assert "controlecijfers" in error_for(response.get_data(as_text=True), "iban")
    form["iban"] = "NL91 ABNA 0417 1643 00"
    assert web.post(f"/portaal/aanvragen/{number}/bewerken", form).status_code == 303
    saved = application(number)
    assert saved.details["iban"] == "NL91ABNA0417164300"
    assert len(saved.details["places"]) == 2
    assert re.search(r"Sanne de Vries", web.text(f"/portaal/aanvragen/{number}/bewerken"))
