"""Finance's overview and the admin pages in a real browser: they pass axe-core on a laptop
and a phone, and an admin makes an account, gives it a token, revokes it and deactivates the
account with the keyboard alone; a form with mistakes shows them at the top and at each field."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations, email, password

PHONE = {"width": 375, "height": 740}


def sign_in(page: Page, local: str, heading: str | re.Pattern) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email(local))
    page.get_by_label("Wachtwoord").fill(password(local))
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def menu(page: Page):
    return page.get_by_role("navigation", name="Hoofdmenu")


def assert_fits(page: Page, width: int) -> None:
    # Wide tables scroll inside their own region; the page itself never scrolls sideways.
    # Measured once the stylesheet is in: unstyled, any table is wider than a phone.
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide on a {width}px screen"


def test_finance_lands_on_the_overview(page: Page, screenshot):
    sign_in(page, "financien", "Financieel overzicht")
    expect(menu(page).get_by_role("link", name="Financiën")).to_have_attribute(
        "aria-current", "page")
    table = page.get_by_role("table", name=re.compile("^Stand per budget"))
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator("tfoot")).to_contain_text("Alle budgetten")
    expect(page.get_by_role("img", name=re.compile("tegen het plafond")).first).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Laatste boekingen")).locator(
        "tbody tr").first).to_be_visible()
    assert_no_serious_violations(page, "/financien/")
    screenshot(page, "financien-overzicht")

    for name, heading in (("Naar de budgetten", "Budgetten van het Techniekpact"),
                          ("Naar de taken", "Taken op de achtergrond")):
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.go_back()
    page.get_by_role("link", name="Naar de verdelingen").click()
    expect(menu(page).get_by_role("link", name="Verdelingen")).to_have_attribute(
        "aria-current", "page")
    assert page.errors == []


def test_finance_overview_on_a_phone(page: Page, screenshot):
    page.set_viewport_size(PHONE)
    sign_in(page, "financien", "Financieel overzicht")
    assert_fits(page, PHONE["width"])
    assert_no_serious_violations(page, "/financien/ on a phone")
    screenshot(page, "financien-overzicht-telefoon")


ADMIN_PAGES = [
    ("/beheer/", "Beheer"),
    ("/beheer/regelingen", "Regelingen en tijdvakken"),
    ("/beheer/regelingen/sectorplan/tijdvakken/T2", "Tweede aanvraagtijdvak"),
    ("/beheer/regelingen/rif/tijdvakken/2017-2/data", "Data wijzigen: 2017, tweede periode"),
    ("/beheer/regelingen/praktijkleren/tijdvakken/2014-2015/plafond",
     "Plafond wijzigen: Studiejaar 2014/2015"),
    ("/beheer/regelingen/praktijkleren/tijdvakken/nieuw",
     "Nieuw tijdvak voor Subsidieregeling praktijkleren"),
    ("/beheer/gebruikers", "Gebruikers"),
    ("/beheer/gebruikers/nieuw", "Nieuwe gebruiker"),
    ("/beheer/tokens", "API-tokens"),
    ("/beheer/logboek", "Logboek van beheer"),
]


@pytest.mark.parametrize(("path", "heading"), ADMIN_PAGES, ids=[p for p, _h in ADMIN_PAGES])
def test_admin_pages_pass_axe_on_a_laptop_and_a_phone(page: Page, screenshot, path, heading):
    sign_in(page, "beheer", "Welkom, Farid el Amrani")
    menu(page).get_by_role("link", name="Beheer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beheer")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(menu(page).get_by_role("link", name="Beheer")).to_have_attribute(
        "aria-current", "page")
    assert_no_serious_violations(page, path)
    name = "beheer" + re.sub(r"[^a-z0-9]+", "-", path.removeprefix("/beheer").lower()).rstrip("-")
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    page.reload()
    assert_fits(page, PHONE["width"])
    assert_no_serious_violations(page, f"{path} on a phone")
    screenshot(page, f"{name}-telefoon")
    assert page.errors == []


def test_the_users_page_of_a_demo_user(page: Page, screenshot):
    sign_in(page, "beheer", "Welkom, Farid el Amrani")
    page.goto("/beheer/gebruikers")
    page.get_by_role("link", name="Bram Jansen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bram Jansen")
    expect(page.get_by_role("checkbox", name="Beoordelaar")).to_be_checked()
    expect(page.get_by_role("button", name="Account deactiveren")).to_be_visible()
    assert_no_serious_violations(page, "a user's page")
    screenshot(page, "beheer-gebruiker")


def test_keyboard_only_account_token_and_deactivation(page: Page, context, screenshot):
    address = f"toetsenbord-{uuid.uuid4().hex[:8]}@ministerie.nl"
    sign_in(page, "beheer", "Welkom, Farid el Amrani")
    page.goto("/beheer/gebruikers/nieuw")

    page.get_by_label("Naam").focus()
    page.keyboard.type("Toetsenbord Gebruiker")
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(address)
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name="Aanvrager")).to_be_focused()
    for name in ("Beoordelaar", "Beslisser", "Lid beoordelingscommissie", "Financiën"):
        page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name=name)).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Financiën")).to_be_checked()
    for name in ("Beheerder", "Programmamedewerker"):
        page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name=name)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("KvK-nummer van de organisatie")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Gebruiker aanmaken")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruiker aangemaakt")
    first_password = page.locator(".secret__value code").inner_text()
    assert len(first_password) >= 12
    screenshot(page, "beheer-gebruiker-aangemaakt")

    # A token for the new account, from the tokens page, by keyboard.
    page.goto("/beheer/tokens")
    page.get_by_label("E-mailadres van de gebruiker").focus()
    page.keyboard.type(address)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Waarvoor het token is")).to_be_focused()
    page.keyboard.type("Rapportage")
    page.keyboard.press("Enter")
    secret = page.get_by_role("region", name=re.compile("^Token \\d+ voor Toetsenbord"))
    expect(secret).to_be_focused()
    token = secret.locator(".secret__value code").inner_text()
    assert token.startswith("grt_")
    assert_no_serious_violations(page, "token shown once")
    screenshot(page, "beheer-token-gemaakt")
    api = context.request
    assert api.get("/api/v1/schemes", headers={"Authorization": f"Bearer {token}"}).status == 200

    # Shown once: the page again does not have it.
    page.goto("/beheer/tokens")
    assert token not in page.content()
    row = page.get_by_role("row").filter(has_text=address)
    row.get_by_role("button", name=re.compile("^Intrekken")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is ingetrokken")
    assert api.get("/api/v1/schemes", headers={"Authorization": f"Bearer {token}"}).status == 401

    # Deactivating by keyboard: the account can no longer log in.
    page.goto("/beheer/gebruikers")
    page.get_by_role("link", name="Toetsenbord Gebruiker").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Account deactiveren").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is gedeactiveerd")

    # Each step is in the log, newest first.
    menu(page).get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Naar het logboek").click()
    rows = page.get_by_role("table", name="Logboek van beheer").locator("tbody tr").filter(
        has_text="Toetsenbord Gebruiker")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Gebruiker gedeactiveerd")
    expect(rows.nth(1)).to_contain_text("API-token ingetrokken")
    expect(rows.nth(2)).to_contain_text("API-token gemaakt")
    expect(rows.nth(3)).to_contain_text("Gebruiker aangemaakt")
    expect(rows.nth(3)).to_contain_text("Farid el Amrani")
    assert_no_serious_violations(page, "the log")
    screenshot(page, "beheer-logboek-gevuld")
    assert page.errors == []
    context.clear_cookies()
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(address)
    page.get_by_label("Wachtwoord").fill(first_password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Het e-mailadres of het wachtwoord is onjuist.")


def test_a_window_form_with_mistakes(page: Page, screenshot):
    sign_in(page, "beheer", "Welkom, Farid el Amrani")
    page.goto("/beheer/regelingen")
    new_rif_window = re.compile(r"^Nieuw tijdvak\W+Regionaal investeringsfonds")
    page.get_by_role("link", name=new_rif_window).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nieuw tijdvak voor Regionaal investeringsfonds mbo")
    page.get_by_label("Code").fill("2015-1")  # exists already
    page.get_by_label("Naam").fill("Dubbel")
    page.get_by_label("Open vanaf").fill("2015-03-01T00:00")
    page.get_by_label("Open tot en met").fill("2015-02-01T00:00")
    page.get_by_label("Subsidieplafond in euro's").fill("1.500")
    page.get_by_role("button", name="Tijdvak openen").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("“1.500” is niet eenduidig")
    expect(page.locator("#ceiling-error")).to_contain_text("is niet eenduidig")
    expect(page.get_by_label("Subsidieplafond in euro's")).to_have_attribute(
        "aria-invalid", "true")
    expect(page.get_by_label("Code")).to_have_value("2015-1")
    assert_no_serious_violations(page, "window form with mistakes")
    screenshot(page, "beheer-tijdvak-fouten")

    # With the amount right, the rules speak: the code exists and the dates are reversed.
    page.get_by_label("Subsidieplafond in euro's").fill("0")
    page.get_by_role("button", name="Tijdvak openen").click()
    expect(page.locator("#code-error")).to_contain_text("heeft al een tijdvak met de code 2015-1")
    expect(page.locator("#closes_at-error")).to_contain_text(
        "Het tijdvak sluit na het moment waarop het opent.")
    summary.get_by_role("link", name=re.compile("heeft al een tijdvak")).click()
    expect(page.get_by_label("Code")).to_be_focused()
    page.goto("/beheer/regelingen/rif/tijdvakken/2015-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("2015, eerste periode")


def test_a_ceiling_prepared_by_one_admin_waits_for_another(page: Page, context, screenshot):
    window = "/beheer/regelingen/rif/tijdvakken/2017-2"
    sign_in(page, "beheer", "Welkom, Farid el Amrani")
    page.goto(f"{window}/plafond")
    ceiling = page.get_by_label("Subsidieplafond in euro's")
    current = ceiling.input_value()
    ceiling.fill("9.300.000,00")
    page.get_by_label("Reden van de wijziging").fill("Browsertest: voorgelegd, niet goedgekeurd")
    page.get_by_role("button", name="Plafond wijzigen").click()
    expect(page.get_by_role("heading", level=2, name="Ter goedkeuring voorgelegd")).to_be_visible()
    expect(page.get_by_text("U heeft dit voorbereid: een collega keurt het goed.")).to_be_visible()
    expect(page.get_by_role("button", name="Plafond goedkeuren")).to_have_count(0)
    assert_no_serious_violations(page, f"{window} with a prepared ceiling")
    screenshot(page, "beheer-plafond-voorgelegd")

    context.clear_cookies()
    sign_in(page, "beheer2", "Welkom, Gijs Visser")
    page.goto(window)
    expect(page.get_by_role("button", name="Plafond goedkeuren")).to_be_visible()
    # Cancelled, so that the demo's ceilings stay as the other tests expect them.
    page.get_by_label("Reden van de annulering").fill("Browsertest")
    page.get_by_role("button", name="Wijziging annuleren").click()
    expect(page.get_by_role("main")).to_contain_text("het plafond is niet gewijzigd")
    expect(page.get_by_role("heading", level=2, name="Ter goedkeuring voorgelegd")).to_have_count(0)
    page.goto(f"{window}/plafond")
    expect(page.get_by_label("Subsidieplafond in euro's")).to_have_value(current)
    assert page.errors == []

