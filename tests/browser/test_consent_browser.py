"""Partner consent in a real browser (issue 14): the demo sector organisation files a sector
plan naming the employees' union; submitting is refused with the union named until a user of
the union, logged in on its own account, consents from its consent page; then the plan goes in.
A plan filed in other organisations' names only is refused with the lead field named. axe-core
finds no serious or critical violation on these pages.

Filing needs an open window, so this module runs its own live server whose clock stands in the
second sector-plan window (May 2014), like test_portal_browser.
"""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from grants.clock import RunningClock
from tests.browser.conftest import demo_server
from tests.browser.test_pages import assert_no_serious_violations as assert_accessible

APPLICANT = ("aanvrager@demo.techniekpact.nl", "aanvrager-demo-2014")
UNION_MEMBER = ("lid@vakbond-techniek-noord.example", "toestemming-vakbond-2014")
UNION = "Vakbond Techniek Noord"
UNION_OPTION = "Vakbond Techniek Noord (werknemersorganisatie, KvK 40001002)"
EMPLOYERS_OPTION = "Metaal & Techniek Werkgevers Noord (werkgeversorganisatie, KvK 40001001)"
# 15 May 2014, 10:00 in Amsterdam: inside T2 (1 April to 31 May 2014).
STARTS_AT = datetime(2014, 5, 15, 8, 0, tzinfo=UTC)


def consent_to(app, reference: str, moment: datetime) -> None:
    """The other organisations a plan names consent from their own accounts, as they would on
    their consent page (for the browser tests whose subject is something else)."""
    import sqlalchemy as sa

    from grants.extensions import db
    from grants.models import Application
    from tests.factories import consent_all

    with app.app_context():
        consent_all(db.session.scalars(sa.select(Application).where(
            Application.reference == reference)).one(), moment)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="module")
def consent_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("consent-instance"), "consent",
                     clock=RunningClock(STARTS_AT)) as server:
        from grants.extensions import db
        from grants.models import Organisation, Role
        from grants.services.accounts import create_user

        with server.app.app_context():
            union = db.session.query(Organisation).filter_by(kvk="40001002").one()
            create_user(email=UNION_MEMBER[0], name="Sem Bakker", roles={Role.APPLICANT},
                        password=UNION_MEMBER[1], organisation=union)
            db.session.commit()
            db.session.remove()
        yield server


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Uitloggen").or_(
        page.get_by_role("button", name="Uitloggen"))).to_be_visible()


def new_sector_plan(page: Page, title: str) -> str:
    page.goto("/portaal/")
    page.get_by_role("link", name=re.compile(
        r"Aanvraag starten\W+Cofinanciering sectorplannen, Tweede aanvraagtijdvak")).click()
    page.get_by_label("Titel van de aanvraag").fill(title)
    page.get_by_role("button", name="Concept aanmaken").click()
    expect(page.get_by_role("status")).to_contain_text("is aangemaakt")
    return re.search(r"SP-T2-\d{5}", page.locator(".portal-meta").inner_text())[0]


def fill_plan(page: Page, partner_label: str, partner_role: str) -> None:
    page.get_by_label("Sector, branche of arbeidsmarktregio").fill("Metaal en techniek")
    page.get_by_label("Begindatum").fill("2014-07-01")
    page.get_by_label("Einddatum").fill("2015-12-31")
    page.get_by_role("button", name="Partner toevoegen").click()
    partner = page.get_by_role("group", name="Partner 2")
    partner.get_by_label("Organisatie").select_option(label=partner_label)
    partner.get_by_label("Rol in het samenwerkingsverband").select_option(label=partner_role)
    for number, (title, theme) in enumerate((("Leerwerkplekken voor jongeren", "Jongeren"),
                                             ("Van werk naar werk", "Van werk naar werk")),
                                            start=1):
        page.get_by_role("button", name="Maatregel toevoegen").click()
        measure = page.get_by_role("group", name=f"Maatregel {number}")
        measure.get_by_label("Naam van de maatregel").fill(title)
        measure.get_by_label("Thema").select_option(label=theme)
        measure.get_by_label("Subsidiabele kosten in euro's").fill("200.000,00")
        measure.get_by_label("Gevraagde subsidie in euro's").fill("100.000,00")


def test_the_union_consents_and_the_plan_goes_in(open_page, consent_server, screenshot):
    applicant = open_page(consent_server.url)
    log_in(applicant, *APPLICANT)
    reference = new_sector_plan(applicant, "Sectorplan metaal: samen met de vakbond")
    fill_plan(applicant, UNION_OPTION, "Werknemers")
    applicant.get_by_role("button", name="Concept opslaan").click()
    expect(applicant.get_by_role("status")).to_contain_text("Uw wijzigingen zijn bewaard")

    applicant.get_by_role("button", name="Aanvraag indienen").click()
    summary = applicant.get_by_role("alert")
    expect(summary).to_contain_text("Uw aanvraag is nog niet ingediend")
    expect(summary.get_by_role("link")).to_have_text(
        f"{UNION} moet nog toestemming geven voor dit sectorplan. Vraag de organisatie dat te "
        "doen vanuit haar eigen account.")
    assert_accessible(applicant, "indienen zonder toestemming")
    screenshot(applicant, "toestemming-ontbreekt")

    # The status page says who has consented and who has not.
    applicant.goto(re.sub(r"/bewerken.*$", "", applicant.url))
    consents = applicant.get_by_role("region", name="Toestemming van de partners")
    expect(consents).to_contain_text(f"{UNION} moet nog toestemming geven")
    expect(consents.get_by_role("row", name=re.compile(UNION))).to_contain_text(
        "Nog niet gegeven")
    assert_accessible(applicant, "aanvraag met toestemmingen")

    # The union, on its own account: its consent page, the plan read-only, the button.
    union = open_page(consent_server.url)
    log_in(union, *UNION_MEMBER)
    union.goto("/portaal/toestemming")
    expect(union.get_by_role("heading", level=1)).to_have_text("Toestemming voor sectorplannen")
    assert_accessible(union, "toestemmingen")
    screenshot(union, "toestemmingen")
    union.get_by_role("link", name="Sectorplan metaal: samen met de vakbond").click()
    expect(union.locator(".portal-meta")).to_contain_text(reference)
    expect(union.get_by_role("table", name="Partners")).to_contain_text(UNION)
    expect(union.get_by_role("table", name="Maatregelen").get_by_role(
        "row", name=re.compile("Totaal"))).to_contain_text("€ 200.000,00")
    expect(union.get_by_role("textbox")).to_have_count(0)  # nothing to change here
    assert_accessible(union, "toestemming")
    screenshot(union, "toestemming")
    union.get_by_role("button", name="Toestemming geven").click()
    expect(union.get_by_role("status")).to_contain_text(
        f"U heeft namens {UNION} toestemming gegeven voor sectorplan {reference}.")
    assert_accessible(union, "toestemming gegeven")

    applicant.reload()
    expect(applicant.get_by_role("region", name="Toestemming van de partners").get_by_role(
        "row", name=re.compile(UNION))).to_contain_text("Gegeven op 15 mei 2014")
    applicant.get_by_role("link", name="Verder met de aanvraag").click()
    applicant.get_by_role("button", name="Aanvraag indienen").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Uw aanvraag is ontvangen")
    expect(applicant.locator("main")).to_contain_text(f"Kenmerk: {reference}")
    assert [e for e in applicant.errors + union.errors if "status of 422" not in e] == []


def test_a_plan_in_other_names_only_is_refused_on_the_lead_field(open_page, consent_server):
    union = open_page(consent_server.url)
    log_in(union, *UNION_MEMBER)
    new_sector_plan(union, "Sectorplan op naam van een ander")
    # The union puts the employers' organisation in its own place: lead and first partner.
    union.get_by_label("Hoofdaanvrager").select_option(label=EMPLOYERS_OPTION)
    union.get_by_role("group", name="Partner 1").get_by_label("Organisatie").select_option(
        label=EMPLOYERS_OPTION)
    union.get_by_role("group", name="Partner 1").get_by_label(
        "Rol in het samenwerkingsverband").select_option(label="Werkgevers")
    union.get_by_role("button", name="Concept opslaan").click()
    summary = union.get_by_role("alert")
    message = (f"Uw eigen organisatie ({UNION}) moet de hoofdaanvrager zijn of bij de partners "
               "staan: u kunt een sectorplan alleen indienen voor uw eigen organisatie.")
    expect(summary.get_by_role("link")).to_have_text(message)
    lead = union.get_by_label("Hoofdaanvrager")
    expect(lead).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link").click()
    expect(lead).to_be_focused()
    assert_accessible(union, "sectorplan op naam van een ander")
    assert [e for e in union.errors if "status of 422" not in e] == []
