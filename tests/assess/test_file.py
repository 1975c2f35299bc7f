"""The application file: the scheme's data in words and amounts, terms, assessments, letters,
the history, and the actions the reader may take (only theirs)."""

import re

import pytest
from flask import url_for

from grants.models import Role
from tests.assess.conftest import application, ok, post, text
from tests.factories import UserFactory
from tests.workflows.scenarios import PARTLY


def file_of(client, number: int) -> str:
    response = client.get(f"/aanvragen/{number}")
    assert response.status_code == 200
    return text(response)


def actions(page: str) -> str:
    """The file's "what you can do now" box, or "" when it has none."""
    if "Wat u nu kunt doen" not in page:
        return ""
    return page[page.index("Wat u nu kunt doen"):page.index("Op deze pagina")]


def test_file_shows_the_sector_plan_measures_and_partnership(world, flow, login_as):
    number = flow.submitted()
    page = file_of(login_as(world.assessor.user), number)
    assert "Sectorplan metaal" in page
    assert "Hoofdaanvrager Metaalwerkgevers" in page
    assert "Metaalbond" in page and "Werknemers" in page
    assert "Leerwerkplekken voor jongeren Jongeren € 1.000.000,00 € 500.000,00 50,0%" in page
    assert "Van werk naar werk Van werk naar werk € 333,33 € 166,66 50,0%" in page
    assert "Totaal € 1.000.333,33 € 500.166,66" in page
    assert "1 juli 2014 tot en met 31 december 2015" in page
    # 13 weeks after 31 May 2014: Saturday 30 August, so Monday 1 September.
    assert "Beslistermijn : uiterlijk 1 september 2014" in page


def test_file_shows_rif_partners_and_contributions(world, flow, login_as):
    number = flow.submitted("rif")
    page = file_of(login_as(world.assessor.user), number)
    assert "Mbo-instelling ROC Noord" in page
    assert "Provincie Groningen (Regionale overheid)" in page
    assert "Techniekbedrijf Noord BV In geld ja € 600.000,00" in page
    assert "Provincie Groningen In natura ja € 400.000,00" in page
    assert ("Werkgevers en regionale overheden dragen samen € 1.000.000,00 bij: 2,0 keer de "
            "gevraagde subsidie") in page
    assert "Samenwerkingsovereenkomst: cooperation_agreement.pdf" in page


def test_file_shows_praktijkleren_places_per_category(world, flow, login_as):
    number = flow.submitted("praktijkleren")
    page = file_of(login_as(world.assessor.user), number)
    assert "Nummer erkend leerbedrijf 100234" in page
    assert "IBAN NL91ABNA0417164300" in page
    assert "mbo (bbl) 1 1" in page
    assert "hbo (duaal of deeltijd) 1 0,5" in page


def test_file_shows_history_assessment_and_letters(world, flow, login_as, clock):
    number = flow.assessed()
    clock.advance(days=9)
    ok(world.approver.fire(number, "approve", {"amount": "450000.00", **PARTLY}))
    page = file_of(login_as(world.assessor.user), number)

    assert "Beoordeling door assessor" in page
    assert "Advies: Positief: verlenen" in page
    assert "Arbeidsmarktanalyse 8" in page and "Totaal 29" in page
    assert "Past bij de regeling." in page
    assert "Verlening, 10 april 2014" in page and "€ 450.000,00" in page
    assert "Indienen : Concept → Ingediend" in page
    assert "Verlenen : Beoordeeld → Verleend, door approver" in page
    assert "Niet alle kosten komen in aanmerking." in page
    assert "Bezwaar mogelijk tot en met 22 mei 2014" in page


def test_assessor_starts_the_assessment_from_the_file(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.assessor.user)
    offered = actions(file_of(client, number))
    assert "Beoordeling starten" in offered and "Informatie opvragen (hersteltermijn)" in offered

    response = post(client, f"/beoordelen/aanvragen/{number}/starten", {},
                    page=f"/aanvragen/{number}")
    assert response.status_code == 303
    assert application(number).state.value == "in_assessment"
    page = file_of(client, number)
    assert "U beoordeelt nu SP-T2-00001" in page
    assert "Beoordelaar assessor" in page
    # Information can still be asked for while the assessment runs (domain.md §5).
    assert " ".join(actions(page).split()) == (
        "Wat u nu kunt doen Beoordeling vastleggen Informatie opvragen (hersteltermijn) "
        "Beslistermijn verdagen")


def test_a_stale_form_changes_nothing(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.assessor.user)
    shown = client.get(f"/aanvragen/{number}").get_data(as_text=True)
    ok(world.assessor2.fire(number, "request_information", {"reason": "Bijlage ontbreekt"}))
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', shown).group(1)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', shown).group(1)
    response = client.post(f"/beoordelen/aanvragen/{number}/starten",
                           data={"csrf_token": csrf, "version": version})
    assert response.status_code == 303
    assert application(number).state.value == "incomplete"
    assert "De aanvraag is intussen gewijzigd" in file_of(client, number)


@pytest.mark.parametrize(("role", "kind", "title"), [
    (Role.APPROVER, "sectorplan", "Sectorplan metaal"),
    (Role.FINANCE, "sectorplan", "Sectorplan metaal"),
    # A committee member sees RIF applications only (privacy).
    (Role.COMMITTEE, "rif", "Praktijkcentrum techniek")])
def test_other_staff_see_the_file_without_assessor_actions(world, flow, login_as, role, kind,
                                                           title):
    number = flow.submitted(kind)
    page = file_of(login_as(UserFactory(role=role)), number)
    assert title in page
    # An approver may only postpone the decision (Awb 4:14); the others may do nothing here.
    expected = "Wat u nu kunt doen Beslistermijn verdagen" if role is Role.APPROVER else ""
    assert " ".join(actions(page).split()) == expected


def test_applicant_gets_404_for_another_organisations_file(world, flow, login_as):
    number = flow.submitted()
    client = login_as(world.outsider.user)
    other = client.get(f"/aanvragen/{number}")
    missing = client.get("/aanvragen/999999")
    assert other.status_code == missing.status_code == 404
    assert text(other) == text(missing)
    assert "Metaalwerkgevers" not in text(other)


def test_applicant_is_sent_to_the_portal_when_it_exists(world, flow, login_as, app):
    number = flow.submitted()
    response = login_as(world.applicant.user).get(f"/aanvragen/{number}")
    if "portal.application" in app.view_functions:
        with app.test_request_context():
            portal = url_for("portal.application", application_id=number)
        assert response.status_code == 302 and response.headers["Location"] == portal
    else:
        # Until the portal's status page exists the applicant reads the file, without actions.
        page = text(response)
        assert "Sectorplan metaal" in page and actions(page) == ""
