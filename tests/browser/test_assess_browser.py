"""The ministry's side in a real browser: the assessor finds a submitted sector plan in the work
queue, asks for information, (the applicant answers), assesses it with scores, and the approver
grants it from the four-eyes queue. Every page on the way passes axe-core, on a laptop and on a
phone, and is checked for what it tells its reader.

The demo's SP-T2-00007 is submitted and untouched by the other browser tests.
"""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations, log_in

REFERENCE = "SP-T2-00007"
PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


def check(page: Page, screenshot, name: str) -> None:
    """axe-core on a laptop and on a phone; the page must not scroll sideways on the phone."""
    assert_no_serious_violations(page, name)
    screenshot(page, f"{name}-laptop")
    page.set_viewport_size(PHONE)
    assert_no_serious_violations(page, f"{name} (phone)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone: {width}px"
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(LAPTOP)


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def answer_as_the_applicant(tmp_path_factory, reference: str) -> None:
    """The applicant's answer, through the services (the portal's own tests walk its page)."""
    import sqlalchemy as sa

    from grants import create_app
    from grants.clock import now
    from grants.extensions import db
    from grants.models import Application, Role, User, UserRole
    from grants.services.applications import fire_trigger

    # The live server's database (pytest also links its newest temporary folder as *current).
    found = sorted({path.resolve() for path in Path(tmp_path_factory.getbasetemp()).glob(
        "browser-instance*/browser.db")})
    assert len(found) == 1, found
    instance = found[0].parent
    app = create_app({"INSTANCE_PATH": str(instance),
                      "DATABASE_URL": f"sqlite:///{found[0]}", "TESTING": False})
    with app.app_context():
        application = db.session.scalars(
            sa.select(Application).where(Application.reference == reference)).one()
        applicant = db.session.scalars(
            sa.select(User).join(UserRole).where(
                User.organisation_id == application.organisation_id,
                UserRole.role == Role.APPLICANT).order_by(User.id)).first()
        fire_trigger(application.id, "provide_information", applicant, {}, now())
        db.session.commit()
        db.engine.dispose()


def open_file_from_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Werkvoorraad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Werkvoorraad")
    page.get_by_role("table", name="Werkvoorraad").get_by_role("link", name=REFERENCE).click()
    expect(page.locator(".file__reference")).to_have_text(REFERENCE)


def test_assessor_asks_assesses_and_the_approver_grants(page: Page, screenshot,
                                                        tmp_path_factory):
    log_in(page, "beoordelaar")

    # The work queue: open work, soonest term first, overdue told in words.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Werkvoorraad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Werkvoorraad")
    queue = page.get_by_role("table", name="Werkvoorraad")
    expect(queue.get_by_role("link", name=REFERENCE)).to_be_visible()
    expect(queue).to_contain_text("Verlopen:")  # the demo's 2014 terms ran out long ago
    check(page, screenshot, "werkvoorraad")

    page.get_by_label("Status").select_option(label="Ingediend")
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"state=submitted"))
    rows = page.get_by_role("table", name="Werkvoorraad").locator("tbody tr")
    for row in rows.all():
        expect(row).to_contain_text("Ingediend")
    rows.get_by_role("link", name=REFERENCE).click()

    # The file: the plan's measures and the actions the assessor may take.
    expect(page.locator(".file__reference")).to_have_text(REFERENCE)
    actions = page.get_by_role("region", name="Wat u nu kunt doen")
    expect(actions.get_by_role("button", name="Beoordeling starten")).to_be_visible()
    expect(page.get_by_role("table", name="Maatregelen")).to_contain_text(
        "Leerwerkplekken en begeleiding voor jongeren")
    check(page, screenshot, "dossier-ingediend")

    # Ask for information: a mistake is told at the top and next to its field first.
    actions.get_by_role("link", name="Informatie opvragen (hersteltermijn)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informatie opvragen")
    expect(page.get_by_text(re.compile("standaard hersteltermijn van deze regeling is 14 dagen"))) \
        .to_be_visible()
    page.get_by_role("button", name="Informatie opvragen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Schrijf welke informatie de aanvrager moet aanvullen.")
    field = page.get_by_label("Welke informatie ontbreekt?")
    expect(field).to_have_attribute("aria-invalid", "true")
    check(page, screenshot, "informatie-opvragen-fout")
    field.fill("De ondertekende samenwerkingsovereenkomst ontbreekt.")
    page.get_by_role("button", name="Informatie opvragen").click()
    expect(page.get_by_role("status").first).to_contain_text("Informatie opgevraagd")
    expect(page.locator(".file__top").get_by_text("Onvolledig")).to_be_visible()
    expect(page.get_by_role("region", name="Verloop")).to_contain_text(
        "De ondertekende samenwerkingsovereenkomst ontbreekt.")

    answer_as_the_applicant(tmp_path_factory, REFERENCE)

    # Assess: start, then scores, advice and reasoning.
    page.reload()
    expect(page.locator(".file__top").get_by_text("Ingediend", exact=True)).to_be_visible()
    page.get_by_role("region", name="Wat u nu kunt doen").get_by_role(
        "button", name="Beoordeling starten").click()
    expect(page.get_by_role("status").first).to_contain_text(f"U beoordeelt nu {REFERENCE}")
    page.get_by_role("region", name="Wat u nu kunt doen").get_by_role(
        "link", name="Beoordeling vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beoordeling vastleggen")
    check(page, screenshot, "beoordelen")
    for label, score in (("Arbeidsmarktanalyse", "8"),
                         ("Samenhang en uitvoerbaarheid van de maatregelen", "7"),
                         ("Draagvlak bij werkgevers en werknemers", "9"),
                         ("Begroting en cofinanciering", "7")):
        page.get_by_label(label).select_option(score)
    page.get_by_role("radio", name="Positief: verlenen").check()
    page.get_by_label("Onderbouwing").fill("Concreet plan, breed gedragen in de sector.")
    page.get_by_role("button", name="Beoordeling vastleggen").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Beoordeling van {REFERENCE} vastgelegd.")
    assessments = page.get_by_role("region", name="Beoordelingen")
    expect(assessments).to_contain_text("Beoordeling door Bram Jansen")
    expect(assessments).to_contain_text(re.compile(r"Totaal\s*31"))
    check(page, screenshot, "dossier-beoordeeld")
    log_out(page)

    # The approver: the four-eyes queue, the assessment beside the decision.
    log_in(page, "beslisser")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Besluiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Besluiten")
    check(page, screenshot, "besluiten")
    page.get_by_role("link", name=f"Besluiten over {REFERENCE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Besluit over {REFERENCE}")
    assessment = page.get_by_role("region", name="De beoordeling")
    expect(assessment).to_contain_text("Concreet plan, breed gedragen in de sector.")
    check(page, screenshot, "besluit")

    amount = page.get_by_label("Te verlenen bedrag in euro's")
    requested = amount.input_value()
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}", requested), requested
    page.get_by_role("button", name="Subsidie verlenen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bevestig dat u de subsidie wilt verlenen.")
    page.get_by_label("Ik heb de beoordeling gelezen en verleen de subsidie.").check()
    page.get_by_role("button", name="Subsidie verlenen").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{REFERENCE} is verleend")
    expect(page.locator(".file__top").get_by_text("Verleend", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Besluiten")).to_contain_text("Verlening")
    check(page, screenshot, "dossier-verleend")
    page.goto("/beoordelen/besluiten")
    expect(page.get_by_role("link", name=f"Besluiten over {REFERENCE}")).to_have_count(0)
    # The two refused forms above answer 422, which the browser logs; nothing else may fail.
    refused = [e for e in page.errors if "status of 422" in e]
    assert len(refused) == 2 and len(page.errors) == 2, page.errors


def test_committee_page_passes_axe(page: Page, screenshot):
    log_in(page, "commissie")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Commissie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beoordelingscommissie RIF")
    ranking = page.get_by_role("table", name="Rangschikking")
    expect(ranking).to_contain_text("RIF-2014-00002")
    check(page, screenshot, "commissie")
    ranking.get_by_role("link", name="RIF-2014-00002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scoreformulier RIF-2014-00002")
    # Dirk Mulder scored it in the demo: he sees his own sheet, and the form no more.
    expect(page.get_by_role("table", name="Scores per lid")).to_contain_text("Dirk Mulder")
    expect(page.get_by_role("button", name="Scores vastleggen")).to_have_count(0)
    check(page, screenshot, "scoreformulier")
    assert page.errors == []
