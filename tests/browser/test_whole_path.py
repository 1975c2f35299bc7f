"""The whole path of issue 7, walked by the demo users in a real browser, each in a browser
session of their own, logging in through the login page:

1. the sector organisation files a sector plan, corrects the one error submitting finds (a
   measure asks more than half its costs) and gets its receipt (reference, moment);
2. the assessor finds it in the work queue, opens the file and asks for information, with a
   repair term of their own choosing;
3. the applicant sees the request on the status page and answers it, with a PDF;
4. the assessor starts and records the assessment;
5. the approver, another person (four eyes), grants less than was asked, with reasons and
   confirmation, from the approver queue;
6. finance sees the commitment: the line's committed figure rose by exactly the grant;
7. the applicant downloads the decision letter: a PDF naming the application and the amount;
8. an employer reads a praktijkleren CSV of places into their draft and sees them listed.

Every main page passes axe-core without serious or critical violations. The applicant's mails
(receipt, information request, decision) are checked in the mail folder, where the embedded
default writes them.

The windows are historic, so the server's clock starts on 15 May 2014, inside the second
sector-plan window, and runs on from there. Letters are rendered right after the approval's
commit (JOBS_IMMEDIATE), as a worker would shortly after. With GRANTS_DATABASE_URL set the server
runs on that PostgreSQL database, in a schema of its own that is dropped afterwards; otherwise on
a SQLite file of its own.
"""

import email
import io
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from grants.clock import RunningClock
from grants.extensions import db
from grants.timefmt import AMSTERDAM
from tests.browser.conftest import demo_server, own_postgresql_schema
from tests.browser.test_consent_browser import consent_to
from tests.browser.test_pages import NAMES, assert_no_serious_violations, password
from tests.browser.test_pages import email as email_address
from tests.browser.test_places_upload import choose_file, places_csv
from tests.browser.test_portal_browser import pdf_bytes

# 15 May 2014, 10:00 in Amsterdam: inside T2 (1 April to 31 May 2014).
STARTS_AT = datetime(2014, 5, 15, 8, 0, tzinfo=UTC)
SCHEMA = "browser_whole_path"
TITLE = "Sectorplan metaal: vakmanschap in de hele keten"
LINE = "Tweede aanvraagtijdvak"  # the sector-plan budget's line for window T2
SECTORPLAN_BUDGET = "Cofinanciering sectorplannen 2014–2015"
DUTCH_EUROS = re.compile(r"€\s\d{1,3}(\.\d{3})*,\d{2}")
EMPLOYER_DRAFT = "Praktijkleren 2014/2015: 5 leerlingen"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with own_postgresql_schema(SCHEMA) as database_url, demo_server(
            tmp_path_factory.mktemp("whole-path-instance"), "whole-path",
            clock=RunningClock(STARTS_AT), database_url=database_url,
            JOBS_IMMEDIATE=True) as running:
        with running.app.app_context():
            assert db.engine.dialect.name == ("postgresql" if database_url else "sqlite")
        yield running


def session_of(open_page, server, local: str) -> Page:
    """A browser session of its own for the demo user ``local``, logged in on the login page."""
    page = open_page(server.url)
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_label("E-mailadres").fill(email_address(local))
    page.get_by_label("Wachtwoord").fill(password(local))
    page.get_by_role("button", name="Inloggen").click()
    # Where each role lands differs (finance: its overview); the banner names them everywhere.
    expect(page.get_by_role("banner")).to_contain_text(NAMES[local])
    return page


def check(page: Page, screenshot, name: str) -> None:
    assert_no_serious_violations(page, name)
    screenshot(page, f"pad-{name}")


def cents(text: str) -> int:
    """'€ 1.234,56' (Dutch notation only) → 123456."""
    text = " ".join(text.split())
    assert DUTCH_EUROS.fullmatch(text), text
    return int(re.sub(r"\D", "", text))


def dutch(amount: int) -> re.Pattern:
    """The amount in cents as a Dutch page writes it (any kind of space after the sign)."""
    euros, rest = divmod(amount, 100)
    return re.compile(r"€\s" + re.escape(f"{euros:,}".replace(",", ".") + f",{rest:02d}"))


def committed_figure(page: Page):
    """The line's key figure "Verplicht": what its grants have committed."""
    return page.locator(".key-figures__item").filter(
        has=page.get_by_role("term").filter(has_text=re.compile(r"^Verplicht$"))
    ).get_by_role("definition")


def open_sectorplan_line(page: Page) -> None:
    page.goto("/financien/budgetten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgetten van het Techniekpact")
    page.get_by_role("region", name=f"Regels van {SECTORPLAN_BUDGET}").get_by_role(
        "link", name=LINE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LINE)


def mail_to(server, local: str, kind: str) -> EmailMessage:
    """The one mail of ``kind`` sent to the demo user today (the embedded default writes every
    mail to the instance's mail folder, named by its moment and kind)."""
    day = server.clock().astimezone(AMSTERDAM).strftime("%Y%m%d")
    found = [message for message in (
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in (Path(server.app.instance_path) / "mail").glob(f"{day}-*-{kind}.eml"))
        if message["To"] == email_address(local)]
    assert len(found) == 1, found
    return found[0]


def places_part(page: Page):
    """The draft's part about places (its table of places is a region named alike)."""
    return page.get_by_role("region", name="Praktijkleerplaatsen").filter(
        has=page.get_by_role("heading", name="Praktijkleerplaatsen"))


def failures(page: Page) -> list[str]:
    # Chromium logs each refused form post (422) as a failed resource; nothing else may fail.
    return [error for error in page.errors if "status of 422" not in error]


def test_a_sector_plan_from_filing_to_decision_letter(open_page, server, screenshot):
    # -- finance, before: what the sector-plan line has committed so far ---------------------
    finance = session_of(open_page, server, "financien")
    open_sectorplan_line(finance)
    committed_before = cents(committed_figure(finance).inner_text())
    check(finance, screenshot, "financien-regel-voor")

    # -- 1. the applicant files a sector plan ---------------------------------------------
    applicant = session_of(open_page, server, "aanvrager")
    applicant.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn aanvragen").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Mijn aanvragen")
    check(applicant, screenshot, "aanvrager-overzicht")
    applicant.get_by_role("link", name=re.compile(
        r"Aanvraag starten\W+Cofinanciering sectorplannen, Tweede aanvraagtijdvak")).click()
    expect(applicant.get_by_role("radio", name=re.compile("Tweede aanvraagtijdvak"))) \
        .to_be_checked()
    check(applicant, screenshot, "aanvrager-nieuw")
    applicant.get_by_label("Titel van de aanvraag").fill(TITLE)
    applicant.get_by_role("button", name="Concept aanmaken").click()
    expect(applicant.get_by_role("status")).to_contain_text("is aangemaakt")
    reference = re.search(r"SP-T2-\d{5}", applicant.locator(".portal-meta").inner_text())[0]

    applicant.get_by_label("Sector, branche of arbeidsmarktregio").fill("Metaal en techniek")
    applicant.get_by_label("Begindatum").fill("2014-07-01")
    applicant.get_by_label("Einddatum").fill("2015-12-31")
    applicant.get_by_role("button", name="Partner toevoegen").click()
    partner = applicant.get_by_role("group", name="Partner 2")
    partner.get_by_label("Organisatie").select_option(
        label="Vakbond Techniek Noord (werknemersorganisatie, KvK 40001002)")
    partner.get_by_label("Rol in het samenwerkingsverband").select_option(label="Werknemers")
    applicant.get_by_role("button", name="Maatregel toevoegen").click()
    first = applicant.get_by_role("group", name="Maatregel 1")
    first.get_by_label("Naam van de maatregel").fill("Leerwerkplekken in de metaal")
    first.get_by_label("Thema").select_option(label="Jongeren")
    first.get_by_label("Subsidiabele kosten in euro's").fill("800.000,00")
    first.get_by_label("Gevraagde subsidie in euro's").fill("450.000,00")  # more than half
    applicant.get_by_role("button", name="Maatregel toevoegen").click()
    second = applicant.get_by_role("group", name="Maatregel 2")
    second.get_by_label("Naam van de maatregel").fill("Omscholing naar de techniek")
    second.get_by_label("Thema").select_option(label="Van werk naar werk")
    second.get_by_label("Subsidiabele kosten in euro's").fill("200.000,00")
    second.get_by_label("Gevraagde subsidie in euro's").fill("100.000,00")
    applicant.get_by_role("button", name="Concept opslaan").click()
    expect(applicant.get_by_role("status")).to_contain_text("Uw wijzigingen zijn bewaard")
    check(applicant, screenshot, "aanvrager-concept")

    applicant.get_by_role("button", name="Aanvraag indienen").click()
    summary = applicant.get_by_role("alert")
    expect(summary).to_contain_text("Uw aanvraag is nog niet ingediend")
    expect(summary.get_by_role("link")).to_have_count(1)
    asked = applicant.get_by_role("group", name="Maatregel 1").get_by_label(
        "Gevraagde subsidie in euro's")
    expect(asked).to_have_attribute("aria-invalid", "true")
    expect(asked).to_have_accessible_description(re.compile(r"ten hoogste €\s400\.000,00"))
    check(applicant, screenshot, "aanvrager-fout")
    summary.get_by_role("link").click()
    expect(asked).to_be_focused()
    asked.fill("400.000,00")
    applicant.get_by_role("button", name="Aanvraag indienen").click()
    # The union the plan names consents from its own account first (issue 14; walked in
    # test_consent_browser), then the plan goes in.
    expect(applicant.get_by_role("alert")).to_contain_text(
        "Vakbond Techniek Noord moet nog toestemming geven voor dit sectorplan.")
    consent_to(server.app, reference, server.clock())
    applicant.get_by_role("button", name="Aanvraag indienen").click()

    expect(applicant.get_by_role("heading", level=1)).to_have_text("Uw aanvraag is ontvangen")
    expect(applicant.get_by_role("status")).to_contain_text(f"Kenmerk: {reference}")
    facts = applicant.locator(".portal-facts")
    expect(facts).to_contain_text(re.compile(r"Ontvangen op\s*15 mei 2014 om 10:\d\d:\d\d"))
    expect(facts).to_contain_text(TITLE)
    expect(facts).to_contain_text(dutch(500_000_00))
    check(applicant, screenshot, "aanvrager-ontvangen")
    receipt = mail_to(server, "aanvrager", "receipt")
    assert receipt["Subject"] == f"Ontvangstbevestiging aanvraag {reference}"
    assert re.search(r"Ontvangen op:\s+15 mei 2014 om 10:\d\d:\d\d",
                     receipt.get_body(("plain",)).get_content())

    # -- 2. the assessor finds it, opens the file, asks for information ------------------
    assessor = session_of(open_page, server, "beoordelaar")
    assessor.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Werkvoorraad").click()
    expect(assessor.get_by_role("heading", level=1)).to_have_text("Werkvoorraad")
    assessor.get_by_label("Regeling").select_option(label="Cofinanciering sectorplannen")
    assessor.get_by_label("Status").select_option(label="Ingediend")
    assessor.get_by_label("Toegewezen").select_option(label="Nog door niemand gestart")
    assessor.get_by_role("button", name="Filteren").click()
    expect(assessor).to_have_url(re.compile(r"state=submitted"))
    queue = assessor.get_by_role("table", name="Werkvoorraad")
    row = queue.get_by_role("row").filter(has=assessor.get_by_role("link", name=reference))
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("Metaal & Techniek Werkgevers Noord")
    expect(row).to_contain_text(dutch(500_000_00))
    check(assessor, screenshot, "beoordelaar-werkvoorraad")
    row.get_by_role("link", name=reference).click()

    expect(assessor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(assessor.locator(".file__reference")).to_have_text(reference)
    measures = assessor.get_by_role("table", name="Maatregelen")
    expect(measures).to_contain_text("Leerwerkplekken in de metaal")
    expect(measures).to_contain_text("Omscholing naar de techniek")
    actions = assessor.get_by_role("region", name="Wat u nu kunt doen")
    check(assessor, screenshot, "beoordelaar-dossier")
    actions.get_by_role("link", name="Informatie opvragen (hersteltermijn)").click()
    expect(assessor.get_by_role("heading", level=1)).to_have_text("Informatie opvragen")
    assessor.get_by_label("Welke informatie ontbreekt?").fill(
        "Stuur de begroting per maatregel mee, met de bijdrage van elke partner.")
    term = assessor.get_by_label("Aanvullen uiterlijk op")
    expect(term).to_have_value("2014-05-29")  # the scheme's 14 days
    term.fill("2014-06-02")
    check(assessor, screenshot, "beoordelaar-informatie-opvragen")
    assessor.get_by_role("button", name="Informatie opvragen").click()
    expect(assessor.get_by_role("status").first).to_contain_text("Informatie opgevraagd")
    expect(assessor.locator(".file__top").get_by_text("Onvolledig", exact=True)).to_be_visible()
    expect(assessor.locator(".file__top")).to_contain_text(
        re.compile(r"Aanvullen uiterlijk\s*2 juni 2014"))

    asked_by_mail = mail_to(server, "aanvrager", "information_requested")
    assert asked_by_mail["Subject"] == f"Aanvulling nodig: aanvraag {reference}"
    assert "tot en met 2 juni 2014" in asked_by_mail.get_body(("plain",)).get_content()

    # -- 3. the applicant sees the request and answers it -----------------------------------
    applicant.get_by_role("link", name="Naar de statuspagina van deze aanvraag").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(TITLE)
    request = applicant.get_by_role("region", name="Wij vragen u om informatie")
    expect(request).to_contain_text(
        "Stuur de begroting per maatregel mee, met de bijdrage van elke partner.")
    expect(request).to_contain_text("Aanvullen kan tot en met 2 juni 2014")
    check(applicant, screenshot, "aanvrager-informatieverzoek")
    request.get_by_label("Uw toelichting").fill(
        "De begroting per maatregel en partner zit in de bijlage.")
    request.get_by_label("Bijlagen (niet verplicht)").set_input_files(files=[
        {"name": "begroting per partner.pdf", "mimeType": "application/pdf",
         "buffer": pdf_bytes()}])
    request.get_by_role("button", name="Aanvulling versturen").click()
    expect(applicant.get_by_role("status")).to_contain_text(
        "Uw aanvulling is ontvangen op 15 mei 2014")
    expect(applicant.get_by_role("region", name="Wij vragen u om informatie")).to_have_count(0)
    expect(applicant.get_by_role("link", name="begroting per partner.pdf")).to_be_visible()
    check(applicant, screenshot, "aanvrager-aangevuld")

    # -- 4. the assessor sees the answer, starts and records the assessment ---------------
    assessor.reload()
    expect(assessor.locator(".file__top").get_by_text("Ingediend", exact=True)).to_be_visible()
    expect(assessor.get_by_role("region", name="Bijlagen").get_by_role(
        "link", name="begroting per partner.pdf")).to_be_visible()
    expect(assessor.get_by_role("region", name="Verloop")).to_contain_text(
        "De begroting per maatregel en partner zit in de bijlage.")
    assessor.get_by_role("region", name="Wat u nu kunt doen").get_by_role(
        "button", name="Beoordeling starten").click()
    expect(assessor.get_by_role("status").first).to_contain_text(f"U beoordeelt nu {reference}")
    assessor.get_by_role("region", name="Wat u nu kunt doen").get_by_role(
        "link", name="Beoordeling vastleggen").click()
    expect(assessor.get_by_role("heading", level=1)).to_have_text("Beoordeling vastleggen")
    for label, score in (("Arbeidsmarktanalyse", "8"),
                         ("Samenhang en uitvoerbaarheid van de maatregelen", "8"),
                         ("Draagvlak bij werkgevers en werknemers", "9"),
                         ("Begroting en cofinanciering", "6")):
        assessor.get_by_label(label).select_option(score)
    assessor.get_by_role("radio", name="Positief: verlenen").check()
    assessor.get_by_label("Onderbouwing").fill(
        "Sterk plan; de omscholing is voor een deel al elders gefinancierd.")
    check(assessor, screenshot, "beoordelaar-beoordelen")
    assessor.get_by_role("button", name="Beoordeling vastleggen").click()
    expect(assessor.get_by_role("status").first).to_contain_text(
        f"Beoordeling van {reference} vastgelegd.")
    expect(assessor.locator(".file__top").get_by_text("Beoordeeld", exact=True)).to_be_visible()
    assessments = assessor.get_by_role("region", name="Beoordelingen")
    expect(assessments).to_contain_text(f"Beoordeling door {NAMES['beoordelaar']}")
    expect(assessments).to_contain_text(re.compile(r"Totaal\s*31"))
    check(assessor, screenshot, "beoordelaar-beoordeeld")

    # -- 5. the approver grants it, for less than was asked --------------------------------
    approver = session_of(open_page, server, "beslisser")
    approver.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Besluiten").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text("Besluiten")
    check(approver, screenshot, "beslisser-besluiten")
    approver.get_by_role("link", name=f"Besluiten over {reference}").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text(f"Besluit over {reference}")
    assessment = approver.get_by_role("region", name="De beoordeling")
    expect(assessment).to_contain_text(
        "Sterk plan; de omscholing is voor een deel al elders gefinancierd.")
    expect(assessment).to_contain_text(NAMES["beoordelaar"])
    amount = approver.get_by_label("Te verlenen bedrag in euro's")
    expect(amount).to_have_value("500.000,00")
    check(approver, screenshot, "beslisser-besluit")
    amount.fill("450.000,00")
    approver.get_by_role("button", name="Subsidie verlenen").click()
    problems = approver.get_by_role("alert")
    expect(problems).to_contain_text("Motiveer waarom u minder verleent dan is aangevraagd.")
    expect(problems).to_contain_text("Bevestig dat u de subsidie wilt verlenen.")
    check(approver, screenshot, "beslisser-besluit-fout")
    approver.get_by_label("Motivering van een lager bedrag").fill(
        "De omscholing wordt voor € 50.000,00 al uit het O&O-fonds betaald.")
    approver.get_by_label("Ik heb de beoordeling gelezen en verleen de subsidie.").check()
    approver.get_by_role("button", name="Subsidie verlenen").click()
    expect(approver.get_by_role("status").first).to_contain_text(
        re.compile(rf"{reference} is verleend: €\s450\.000,00"))
    expect(approver.locator(".file__top").get_by_text("Verleend", exact=True)).to_be_visible()
    check(approver, screenshot, "beslisser-verleend")
    approver.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Besluiten").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text("Besluiten")
    expect(approver.get_by_role("link", name=f"Besluiten over {reference}")).to_have_count(0)

    # -- 6. finance sees the commitment --------------------------------------------------------
    granted = 450_000_00
    finance.reload()
    expect(finance.get_by_role("heading", level=1)).to_have_text(LINE)
    expect(committed_figure(finance)).to_have_text(dutch(committed_before + granted))
    assert cents(committed_figure(finance).inner_text()) - committed_before == granted
    holding = finance.get_by_role("region", name="Aanvragen op deze regel").get_by_role(
        "row").filter(has=finance.get_by_role("link", name=reference))
    expect(holding).to_contain_text("Verleend")
    expect(holding).to_contain_text(dutch(granted))
    newest = finance.get_by_role("region", name="Boekingen op deze regel").locator(
        "tbody tr").filter(has=finance.get_by_role("link", name=reference)).filter(
        has_text="verplichten")
    expect(newest).to_contain_text(dutch(granted))
    expect(newest).to_contain_text(NAMES["beslisser"])
    check(finance, screenshot, "financien-regel-na")

    # -- 7. the applicant downloads the decision letter ---------------------------------------
    # The letter is made right after the approval's commit (JOBS_IMMEDIATE), before the
    # approver's page came back: the status page offers it at once.
    applicant.reload()
    letters = applicant.get_by_role("region", name="Besluiten")
    letter = letters.get_by_role("link", name=re.compile(r"^Verlening, 15 mei 2014"))
    expect(letter).to_be_visible()
    expect(letters).to_contain_text(f"Kenmerk {reference}/1")
    expect(letters).to_contain_text(dutch(granted))
    expect(applicant.locator(".portal-facts").first).to_contain_text(
        re.compile(r"Verleend bedrag\s*€\s450\.000,00"))
    check(applicant, screenshot, "aanvrager-besluit")
    told = mail_to(server, "aanvrager", "decision")
    assert told["Subject"] == f"Besluit over aanvraag {reference}: verlening"
    assert dutch(granted).search(told.get_body(("plain",)).get_content())
    with applicant.expect_response(re.compile(r"/besluiten/\d+\.pdf$")) as answered:
        letter.click()
    response = answered.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert re.search(r'filename="[^"]+\.pdf"', response.headers["content-disposition"])
    # Chromium shows the letter in its PDF viewer, whose page is what the response's body holds
    # then; the letter's bytes are fetched once more in the applicant's own session.
    body = applicant.request.get(response.url).body()
    assert body.startswith(b"%PDF-")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
                    .split())
    assert reference in text, text
    assert dutch(granted).search(text), text
    assert "Metaal & Techniek Werkgevers Noord" in text, text

    for user in (finance, applicant, assessor, approver):
        assert failures(user) == []


def test_an_employer_reads_places_from_a_csv_file(open_page, server, screenshot):
    """The praktijkleren side of the path, through the upload form the places tests drive in
    detail (tests/browser/test_places_upload.py): here as the employer reaches it from their
    own draft in the portal."""
    employer = session_of(open_page, server, "werkgever")
    employer.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn aanvragen").click()
    draft = employer.get_by_role("table", name="Uw aanvragen").get_by_role("row").filter(
        has=employer.get_by_role("link", name=EMPLOYER_DRAFT))
    expect(draft).to_contain_text("Concept")
    expect(draft).to_contain_text("Indienen kan vanaf 2 juni 2015")
    draft.get_by_role("link", name=EMPLOYER_DRAFT).click()
    expect(employer.get_by_role("heading", level=1)).to_have_text(EMPLOYER_DRAFT)
    reference = re.search(r"PL-2014-2015-\d{5}",
                          employer.locator(".portal-meta").inner_text())[0]
    places = places_part(employer)
    expect(places).to_contain_text("Deze aanvraag heeft 5 plaatsen.")
    places.get_by_role("link", name="Plaatsen bekijken of inlezen uit een CSV-bestand").click()

    expect(employer.get_by_role("heading", level=1)).to_have_text(f"Plaatsen van {reference}")
    check(employer, screenshot, "werkgever-plaatsen")
    choose_file(employer, places_csv(2014, 7))
    employer.get_by_role("button", name="Plaatsen inlezen").click()
    notice = employer.locator("main .notice--success")
    expect(notice).to_contain_text("7 plaatsen ingelezen uit 7 regels")
    expect(employer.get_by_role("alert")).to_have_count(0)
    rows = employer.locator("main table.places-table tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.first).to_contain_text("Student 00000")
    expect(rows.last).to_contain_text("Student 00006")
    check(employer, screenshot, "werkgever-plaatsen-ingelezen")

    # The draft in the portal now lists the places from the file.
    employer.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn aanvragen").click()
    employer.get_by_role("link", name=EMPLOYER_DRAFT).click()
    places = places_part(employer)
    expect(places).to_contain_text("Deze aanvraag heeft 7 plaatsen.")
    expect(places.get_by_role("rowheader", name="Student 00006")).to_be_visible()
    check(employer, screenshot, "werkgever-concept")
    assert failures(employer) == []
