"""What people do in a real browser: log in (also by keyboard only), find their next step, stay
within their own organisation's records, read the pages on a phone, and log out. Every page
people use also passes axe-core without serious or critical violations."""

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

GENERIC_FAILURE = "Het e-mailadres of het wachtwoord is onjuist."
APPLICANT_ORGANISATION = "Metaal & Techniek Werkgevers Noord"  # KvK 40001001
OTHER_ORGANISATION = "Machinefabriek Ter Horst B.V."  # KvK 50002003, werkgever@'s

# (local part of the e-mail address, name, role as shown) for every demo user.
DEMO_USERS = [
    ("aanvrager", "Anouk de Vries", "Aanvrager"),
    ("werkgever", "Henk ter Horst", "Aanvrager"),
    ("mbo", "Ingrid Postma", "Aanvrager"),
    ("beoordelaar", "Bram Jansen", "Beoordelaar"),
    ("beslisser", "Carla Smit", "Beslisser"),
    ("commissie", "Dirk Mulder", "Lid beoordelingscommissie"),
    ("commissie2", "Greet Hoekstra", "Lid beoordelingscommissie"),
    ("financien", "Esther Bakker", "Financiën"),
    ("programma", "Hanneke Willems", "Programmamedewerker"),
    ("beheer", "Farid el Amrani", "Beheerder"),
    ("beheer2", "Gijs Visser", "Beheerder"),
]
NAMES = {local: name for local, name, _role in DEMO_USERS}
# Finance lands on its overview (tests/browser/test_admin_browser.py); the others on their
# next steps.
LANDING = {"financien": "Financieel overzicht"}


def email(local: str) -> str:
    return f"{local}@demo.techniekpact.nl"


def password(local: str) -> str:
    return f"{local}-demo-2014"


def log_in(page: Page, local: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email(local))
    page.get_by_label("Wachtwoord").fill(password(local))
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        LANDING.get(local, f"Welkom, {NAMES[local]}"))


def main_text(page: Page) -> str:
    # Whitespace folded: layout may put a trailing space after a label on one render and not on
    # the next, which says nothing about what the page tells the user.
    return " ".join(page.get_by_role("main").inner_text().split())


# -- logging in -------------------------------------------------------------------------------

def test_login_page_is_dutch_with_labelled_fields(page: Page):
    response = page.goto("/login")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_title(re.compile("Inloggen"))
    email_field = page.get_by_label("E-mailadres")
    password_field = page.get_by_label("Wachtwoord")
    expect(email_field).to_be_editable()
    expect(email_field).to_have_attribute("type", "email")
    expect(email_field).to_have_attribute("autocomplete", "username")
    expect(password_field).to_be_editable()
    expect(password_field).to_have_attribute("type", "password")
    expect(password_field).to_have_attribute("autocomplete", "current-password")
    assert page.errors == []


def test_wrong_password_gets_the_generic_answer(page: Page):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email("aanvrager"))
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(GENERIC_FAILURE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    wrong_password = main_text(page)

    # An address without an account gets exactly the same page: nothing tells them apart.
    page.evaluate("document.body.dataset.previous = 'yes'")  # to wait for the next page
    page.get_by_label("E-mailadres").fill("bestaat-niet@demo.techniekpact.nl")
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.locator("body[data-previous]")).to_have_count(0)
    expect(alert).to_contain_text(GENERIC_FAILURE)
    assert main_text(page) == wrong_password
    answer = alert.inner_text().lower()
    for hint in ("bestaat niet", "onbekend", "geen account", "niet gevonden", "geblokkeerd"):
        assert hint not in answer

    # And neither is logged in.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_keyboard_only_login(page: Page):
    page.goto("/login")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Naar de inhoud")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # shown when focused, not only to screen readers
    page.keyboard.press("Enter")  # skip the header: the next Tab lands in the content
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(email("aanvrager"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(password("aanvrager"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Anouk de Vries")
    assert urlsplit(page.url).path == "/"


NEXT_STEP_USERS = [user for user in DEMO_USERS if user[0] not in LANDING]


@pytest.mark.parametrize(("local", "name", "role"), NEXT_STEP_USERS,
                         ids=[local for local, _name, _role in NEXT_STEP_USERS])
def test_every_demo_user_lands_on_their_next_steps(page: Page, screenshot, local, name, role):
    log_in(page, local)
    expect(page.get_by_role("banner")).to_contain_text(name)
    lead = page.get_by_text("U bent ingelogd als")
    expect(lead).to_contain_text(role, ignore_case=True)
    expect(lead.locator("strong")).to_have_text(role, ignore_case=True)
    expect(page.get_by_role("heading", name="Wat u nu kunt doen")).to_be_visible()
    screenshot(page, f"start-{local}")

    cards = page.locator("main .cards > li")
    expect(cards.first).to_be_visible()
    link = cards.first.get_by_role("link")
    expect(link).to_have_count(1)
    target = link.evaluate("a => a.href")
    with page.expect_response(lambda r: r.url == target and r.request.is_navigation_request()) \
            as answer:
        link.click()
    assert answer.value.status == 200, target
    expect(page).to_have_url(target)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.errors == []


# -- accessibility ----------------------------------------------------------------------------

def _application_detail(page: Page) -> str:
    page.goto("/aanvragen/")
    first = page.locator("main table tbody tr").first.get_by_role("link")
    expect(first).to_be_visible()
    return first.get_attribute("href")


AXE_PAGES = [
    # (id, who is logged in, path or a function of the page giving it)
    ("login", None, "/login"),
    ("start-aanvrager", "aanvrager", "/"),
    ("start-beheer", "beheer", "/"),
    ("aanvragen-aanvrager", "aanvrager", "/aanvragen/"),
    ("aanvragen-beoordelaar", "beoordelaar", "/aanvragen/"),
    ("aanvraag-aanvrager", "aanvrager", _application_detail),
    ("regelingen", "aanvrager", "/regelingen"),
    ("budgetten-financien", "financien", "/financien/budgetten"),
    ("gebruikers-beheer", "beheer", "/beheer/gebruikers"),
    ("organisaties-beheer", "beheer", "/beheer/organisaties"),
    ("wachtwoord-vergeten", None, "/wachtwoord-vergeten"),
    ("wachtwoord-wijzigen", "aanvrager", "/account/wachtwoord"),
]


def assert_no_serious_violations(page: Page, path: str) -> None:
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe-core on {path}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in serious
    )


@pytest.mark.parametrize(("who", "where"), [(who, where) for _id, who, where in AXE_PAGES],
                         ids=[page_id for page_id, _who, _where in AXE_PAGES])
def test_no_serious_accessibility_violations(page: Page, screenshot, who, where):
    if who:
        log_in(page, who)
    path = where(page) if callable(where) else where
    response = page.goto(path)
    assert response.status == 200, path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if path == "/regelingen":
        screenshot(page, "regelingen")
    assert_no_serious_violations(page, path)


PHONE_AXE_PAGES = [
    pytest.param("beheer", "/", id="start"),
    pytest.param("beheer", "/aanvragen/", id="aanvragen"),
    pytest.param("beheer", "/regelingen", id="regelingen"),
    pytest.param("beheer", "/financien/budgetten", id="budgetten"),
    pytest.param("beheer", "/beheer/gebruikers", id="gebruikers"),
]


@pytest.mark.parametrize(("who", "path"), PHONE_AXE_PAGES)
def test_no_serious_accessibility_violations_on_a_phone(page: Page, who, path):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, who)
    response = page.goto(path)
    assert response.status == 200, path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(page, path)


# -- who sees what ----------------------------------------------------------------------------

def test_applicant_sees_only_their_own_organisations_applications(page: Page):
    log_in(page, "aanvrager")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Aanvragen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanvragen")

    table = page.get_by_role("table", name="Aanvragen")
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index("Aanvrager")
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    total = int(re.search(r"(\d+) aanvragen gevonden", main_text(page)).group(1))
    expect(rows).to_have_count(total)
    for row in rows.all():
        expect(row.locator(":scope > th, :scope > td").nth(column)).to_have_text(
            APPLICANT_ORGANISATION)


def test_applicant_gets_404_for_another_organisations_application(page: Page, context):
    # werkgever@ (another organisation) finds one of their own applications...
    log_in(page, "werkgever")
    page.goto("/aanvragen/")
    link = page.get_by_role("table", name="Aanvragen").locator("tbody tr").first \
        .get_by_role("link")
    href = link.get_attribute("href")
    reference = link.inner_text()
    page.goto(href)
    expect(page.get_by_text(OTHER_ORGANISATION)).to_be_visible()
    title = page.get_by_role("heading", level=1).inner_text()
    context.clear_cookies()

    # ... which the applicant of the other organisation cannot open, nor tell from a missing one.
    log_in(page, "aanvrager")
    response = page.goto(href)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    text = page.locator("body").inner_text()
    for secret in (OTHER_ORGANISATION, "Machinefabriek", "ter Horst", "50002003", reference,
                   title):
        assert secret.lower() not in text.lower(), secret
    not_yours = main_text(page)

    response = page.goto("/aanvragen/999999")
    assert response.status == 404
    assert main_text(page) == not_yours


# -- phones, logging out ----------------------------------------------------------------------

@pytest.mark.parametrize("local", ["aanvrager", "beheer"])
def test_start_page_fits_a_phone(page: Page, local):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, local)
    expect(page.locator("main .cards > li").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the start page scrolls sideways on a phone: {width}px wide"


def test_logout_returns_to_the_login_page(page: Page):
    log_in(page, "aanvrager")
    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("U bent uitgelogd.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    # Really logged out: the start page asks to log in again.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_label("E-mailadres")).to_be_visible()
