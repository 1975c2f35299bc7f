"""The applicant portal in a real browser: the demo sector organisation files a sector plan,
corrects the one error the submission finds, adds a PDF attachment on the way (after one that
is not a PDF is refused), and sees its receipt and status page; axe-core finds no serious or
critical violation on any of these pages, at laptop and at phone width.

Filing needs an open window, so this module runs its own live server whose clock stands in the
second sector-plan window (May 2014) and runs on from there; the demo data is as elsewhere.
"""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from grants.clock import RunningClock
from tests.browser.conftest import demo_server
from tests.browser.test_consent_browser import consent_to
from tests.browser.test_pages import assert_no_serious_violations as assert_accessible

EMAIL, PASSWORD = "aanvrager@demo.techniekpact.nl", "aanvrager-demo-2014"
# 15 May 2014, 10:00 in Amsterdam: inside T2 (1 April to 31 May 2014).
STARTS_AT = datetime(2014, 5, 15, 8, 0, tzinfo=UTC)
PHONE = {"width": 390, "height": 844}


@dataclass
class Server:
    url: str
    app: object
    clock: RunningClock

    def fire(self, reference: str, trigger: str, email: str, data: dict) -> None:
        """What staff do meanwhile, through the engine as their own pages would."""
        import sqlalchemy as sa

        from grants.extensions import db
        from grants.models import Application, User
        from grants.services.applications import fire_trigger

        with self.app.app_context():
            actor = db.session.scalars(sa.select(User).where(User.email == email)).one()
            application = db.session.scalars(sa.select(Application).where(
                Application.reference == reference)).one()
            fire_trigger(application.id, trigger, actor, data, self.clock())
            db.session.commit()


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("portal-instance"), "portal",
                     clock=RunningClock(STARTS_AT)) as server:
        yield Server(server.url, server.app, server.clock)


@pytest.fixture
def portal_page(open_page, portal_server):
    return open_page(portal_server.url)


@pytest.fixture(scope="module")
def august_server(tmp_path_factory):
    """The demo as it stands on 1 August 2014: its history up to then has happened."""
    with demo_server(tmp_path_factory.mktemp("august-instance"), "august",
                     clock=RunningClock(datetime(2014, 8, 1, tzinfo=UTC))) as server:
        yield server


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def check(page: Page, screenshot, name: str) -> None:
    """axe at laptop width and at phone width, with a screenshot of each."""
    assert_accessible(page, name)
    screenshot(page, f"portaal-{name}")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_accessible(page, f"{name} (phone)")
    screenshot(page, f"portaal-{name}-telefoon")
    page.set_viewport_size(size)


def test_an_applicant_files_a_sector_plan_and_answers_a_question(portal_page: Page,
                                                                  portal_server, screenshot):
    page = portal_page
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn aanvragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn aanvragen")
    expect(page.get_by_role("link", name=re.compile("Sectorplan metaal")).first).to_be_visible()
    check(page, screenshot, "overzicht")

    page.get_by_role("link", name=re.compile(
        r"Aanvraag starten\W+Cofinanciering sectorplannen, Tweede aanvraagtijdvak")).click()
    expect(page.get_by_role("radio", name=re.compile("Tweede aanvraagtijdvak"))).to_be_checked()
    check(page, screenshot, "nieuw")
    page.get_by_label("Titel van de aanvraag").fill("Sectorplan metaal: techniek voor jongeren")
    page.get_by_role("button", name="Concept aanmaken").click()
    expect(page.get_by_role("status")).to_contain_text("is aangemaakt")
    reference = re.search(r"SP-T2-\d{5}", page.locator(".portal-meta").inner_text())[0]

    # The applicant is already lead and first partner; the employees' union joins.
    page.get_by_label("Sector, branche of arbeidsmarktregio").fill("Metaal en techniek")
    page.get_by_label("Begindatum").fill("2014-07-01")
    page.get_by_label("Einddatum").fill("2015-12-31")
    page.get_by_role("button", name="Partner toevoegen").click()
    partner = page.get_by_role("group", name="Partner 2")
    expect(partner.get_by_label("Organisatie")).to_be_focused()
    partner.get_by_label("Organisatie").select_option(
        label="Vakbond Techniek Noord (werknemersorganisatie, KvK 40001002)")
    partner.get_by_label("Rol in het samenwerkingsverband").select_option(label="Werknemers")
    page.get_by_role("button", name="Maatregel toevoegen").click()
    first = page.get_by_role("group", name="Maatregel 1")
    first.get_by_label("Naam van de maatregel").fill("Leerwerkplekken voor jongeren")
    first.get_by_label("Thema").select_option(label="Jongeren")
    first.get_by_label("Subsidiabele kosten in euro's").fill("800.000,00")
    first.get_by_label("Gevraagde subsidie in euro's").fill("450.000,00")  # over 50%
    page.get_by_role("button", name="Maatregel toevoegen").click()
    second = page.get_by_role("group", name="Maatregel 2")
    second.get_by_label("Naam van de maatregel").fill("Van werk naar werk")
    second.get_by_label("Thema").select_option(label="Van werk naar werk")
    second.get_by_label("Subsidiabele kosten in euro's").fill("200000")
    second.get_by_label("Gevraagde subsidie in euro's").fill("100000")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Uw wijzigingen zijn bewaard")
    check(page, screenshot, "concept")

    # A PDF attachment; a file that only claims to be one is refused.
    page.get_by_role("link", name="Bijlagen toevoegen of verwijderen").click()
    upload = page.get_by_label("PDF-bestand")
    upload.set_input_files(files=[{"name": "begroting.pdf", "mimeType": "application/pdf",
                                   "buffer": b"Dit is een Word-document."}])
    page.get_by_role("button", name="Bijlage toevoegen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Alleen PDF-bestanden kunnen worden bijgevoegd.")
    check(page, screenshot, "bijlage-fout")
    upload = page.get_by_label("PDF-bestand")
    upload.set_input_files(files=[{"name": "begroting.pdf", "mimeType": "application/pdf",
                                   "buffer": pdf_bytes()}])
    page.get_by_role("button", name="Bijlage toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("begroting.pdf is bijgevoegd")
    expect(page.get_by_role("link", name="begroting.pdf")).to_be_visible()
    check(page, screenshot, "bijlagen")
    page.get_by_role("link", name="Terug naar de aanvraag").click()

    # Submitting finds the one error; it stands next to its field and in the summary.
    page.get_by_role("button", name="Aanvraag indienen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Uw aanvraag is nog niet ingediend")
    expect(summary.get_by_role("link")).to_have_count(1)
    field = page.get_by_role("group", name="Maatregel 1").get_by_label(
        "Gevraagde subsidie in euro's")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#measures-0-requested_subsidy-error")).to_contain_text(
        "ten hoogste € 400.000,00")
    check(page, screenshot, "fout")
    summary.get_by_role("link").click()
    expect(field).to_be_focused()
    field.fill("400.000,00")
    page.get_by_role("button", name="Aanvraag indienen").click()
    # The union the plan names consents from its own account first (issue 14; walked in
    # test_consent_browser), then the plan goes in.
    expect(page.get_by_role("alert")).to_contain_text(
        "Vakbond Techniek Noord moet nog toestemming geven voor dit sectorplan.")
    consent_to(portal_server.app, reference, portal_server.clock())
    page.get_by_role("button", name="Aanvraag indienen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Uw aanvraag is ontvangen")
    expect(page.locator("main")).to_contain_text(f"Kenmerk: {reference}")
    expect(page.locator(".portal-facts")).to_contain_text(
        re.compile(r"Ontvangen op\s*15 mei 2014 om 10:\d\d:\d\d"))
    expect(page.locator(".portal-facts")).to_contain_text("€ 500.000,00")
    check(page, screenshot, "ontvangen")

    page.get_by_role("link", name="Naar de statuspagina van deze aanvraag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sectorplan metaal: techniek voor jongeren")
    expect(page.locator(".timeline")).to_contain_text("Indienen: Ingediend, door Anouk de Vries")
    expect(page.get_by_role("link", name="begroting.pdf")).to_be_visible()
    check(page, screenshot, "status")

    # The assessor asks for more; the applicant answers with a message and a PDF.
    portal_server.fire(reference, "request_information", "beoordelaar@demo.techniekpact.nl",
                       {"reason": "Stuur de begroting per maatregel mee."})
    page.reload()
    request = page.get_by_role("region", name="Wij vragen u om informatie")
    expect(request).to_contain_text("Stuur de begroting per maatregel mee.")
    expect(request).to_contain_text("Aanvullen kan tot en met 29 mei 2014")
    check(page, screenshot, "informatieverzoek")
    request.get_by_role("button", name="Aanvulling versturen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Schrijf in een paar zinnen wat u heeft aangevuld.")
    request = page.get_by_role("region", name="Wij vragen u om informatie")
    request.get_by_label("Uw toelichting").fill("De begroting per maatregel zit in de bijlage.")
    request.get_by_label("Bijlagen (niet verplicht)").set_input_files(files=[
        {"name": "begroting per maatregel.pdf", "mimeType": "application/pdf",
         "buffer": pdf_bytes()}])
    request.get_by_role("button", name="Aanvulling versturen").click()
    expect(page.get_by_role("status")).to_contain_text("Uw aanvulling is ontvangen op 15 mei 2014")
    expect(page.get_by_role("region", name="Wij vragen u om informatie")).to_have_count(0)
    expect(page.get_by_role("link", name="begroting per maatregel.pdf")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(
        "De begroting per maatregel zit in de bijlage.")
    check(page, screenshot, "aangevuld")
    # Chromium reports each refused form post (422) as a failed resource; nothing else.
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_a_granted_plan_shows_its_letter_and_the_way_to_object(open_page, august_server,
                                                               screenshot):
    """The demo's first sector plan was granted on 4 July 2014; a month later the applicant
    looks at it: the decision letter and the objection form, open until 15 August."""
    page = open_page(august_server.url)
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto("/portaal/")
    page.get_by_role("link", name=re.compile("instroom van jongeren")).click()
    expect(page.locator(".portal-meta")).to_contain_text("SP-T2-00001")
    letters = page.get_by_role("region", name="Besluiten")
    expect(letters).to_contain_text("Verlening, 4 juli 2014")
    objection = page.get_by_role("region", name="Bezwaar")
    expect(objection).to_contain_text("U kunt tot en met 15 augustus 2014 bezwaar maken.")
    check(page, screenshot, "besluit")
    objection.get_by_role("button", name="Bezwaar indienen").click()
    expect(page.get_by_role("alert")).to_contain_text("Geef de gronden van uw bezwaar.")
    expect(page.get_by_label("Waarom bent u het niet eens met het besluit?")).to_have_attribute(
        "aria-invalid", "true")
    check(page, screenshot, "bezwaar-fout")
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_an_applicant_keeps_the_organisations_address_and_iban(portal_page: Page, screenshot):
    page = portal_page
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto("/portaal/")
    page.get_by_role("link", name="Adres en IBAN van uw organisatie bekijken of wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisatiegegevens")

    page.get_by_label("IBAN", exact=True).fill("NL91 ABNA 0417 1643 01")
    page.get_by_role("button", name="Gegevens bewaren").click()
    expect(page.get_by_role("alert")).to_contain_text("IBAN")
    check(page, screenshot, "organisatie-fout")

    page.get_by_label("IBAN", exact=True).fill("NL91 ABNA 0417 1643 00")
    page.get_by_role("button", name="Gegevens bewaren").click()
    # A new IBAN waits for a second person (tests/browser/test_iban_change_browser.py).
    expect(page.locator("main")).to_contain_text("Het nieuwe IBAN wacht op bevestiging")
    expect(page.locator("main")).to_contain_text("NL91 ABNA 0417 1643 00")
    check(page, screenshot, "organisatie")
