"""The language switch in a real browser: Dutch by default, English with one press (also by
keyboard), on the page you were on; headings, menu, amounts and dates follow, and the English
pages pass axe-core too."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations, email, password

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December")
EURO_EN = re.compile(r"^-?€\d{1,3}(,\d{3})*\.\d{2}$")
EURO_NL = re.compile(r"^€\s-?\d{1,3}(\.\d{3})*,\d{2}$")


def switch_to(page: Page, language: str) -> None:
    path = page.url
    page.get_by_role("banner").get_by_role("button", name=language, exact=True).click()
    expect(page).to_have_url(path)


def log_in_english(page: Page, local: str, name: str) -> None:
    page.get_by_label("Email address").fill(email(local))
    page.get_by_label("Password").fill(password(local))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("banner")).to_contain_text(name)


def ceilings(page: Page) -> list[str]:
    """The ceiling column of the first table of budget lines."""
    table = page.locator("table.figures-table").first
    return [cell.strip() for cell in table.locator("tbody td:nth-child(2)").all_inner_texts()]


def test_login_page_switches_to_english_and_back(page: Page, screenshot):
    page.goto("/login?next=/regelingen")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    switch = page.get_by_role("form", name="Taal")
    expect(switch.get_by_role("button", name="English")).to_have_attribute("lang", "en")

    switch_to(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title(re.compile(r"^Log in · "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Email address")).to_be_editable()
    expect(page.get_by_role("banner").get_by_role("button", name="Nederlands")) \
        .to_have_attribute("lang", "nl")
    screenshot(page, "taal-login-en")
    assert_no_serious_violations(page, "/login (English)")

    # A mistake is explained in English as well.
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address.")

    switch_to(page, "Nederlands")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def test_switch_by_keyboard(page: Page):
    page.goto("/login")
    english = page.get_by_role("button", name="English")
    for _ in range(6):
        page.keyboard.press("Tab")
        if english.evaluate("button => button === document.activeElement"):
            break
    expect(english).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_finance_reads_budgets_in_english_and_in_dutch(page: Page, screenshot):
    page.goto("/login")
    switch_to(page, "English")
    log_in_english(page, "financien", "Esther Bakker")
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()

    page.goto("/financien/budgetten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgets of the Techniekpact")
    expect(page.locator(".lead")).to_have_text(
        re.compile(rf"^The position of every budget and its lines on \d{{1,2}} ({MONTHS}) "
                   r"\d{4}\.$"))
    expect(page.get_by_role("navigation", name="Main menu")
           .get_by_role("link", name="Finance")).to_have_attribute("aria-current", "page")
    english = ceilings(page)
    assert english and all(EURO_EN.match(amount) for amount in english), english
    expect(page.locator("table.figures-table").first.locator("thead")).to_contain_text(
        "Ceiling")
    screenshot(page, "taal-budgetten-en")
    assert_no_serious_violations(page, "/financien/budgetten (English)")

    switch_to(page, "Nederlands")
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgetten van het Techniekpact")
    dutch = ceilings(page)
    assert all(EURO_NL.match(amount) for amount in dutch), dutch
    # The same amounts, only written the Dutch way.
    assert [re.sub(r"\D", "", amount) for amount in dutch] == \
        [re.sub(r"\D", "", amount) for amount in english]
    screenshot(page, "taal-budgetten-nl")


def test_assessor_start_page_in_english(page: Page, screenshot):
    page.goto("/login")
    switch_to(page, "English")
    log_in_english(page, "beoordelaar", "Bram Jansen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bram Jansen")
    expect(page.get_by_text("You are logged in as")).to_contain_text("assessor")
    expect(page.get_by_role("heading", name="What you can do now")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "taal-start-en")
    assert_no_serious_violations(page, "/ (English)")

    page.goto("/regelingen/sectorplan/levensloop")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Lifecycle of an application: "))
    table = page.get_by_role("region", name=re.compile(r"^Actions of "))
    expect(table).to_contain_text("Submit")
    expect(table).not_to_contain_text("Indienen")
    assert_no_serious_violations(page, "/regelingen/sectorplan/levensloop (English)")
