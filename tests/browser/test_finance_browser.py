"""Finance in a real browser: the budgets, a budget with its chart and a line pass axe-core, and
a booking by hand on the bèta line goes through with the keyboard alone."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations, log_in

BETA_BUDGET = "Bèta- en techniekdocenten voortgezet onderwijs"
BETA_LINE = "Bèta- en techniekdocenten voortgezet onderwijs, 2013–2016"


def cents(text: str) -> int:
    """€ 55.000.000,00 → 5500000000."""
    return int(re.sub(r"\D", "", text))


def committed(page: Page) -> int:
    item = page.locator(".key-figures__item").filter(
        has=page.locator("dt", has_text=re.compile(r"^Verplicht$")))
    return cents(item.locator("dd").inner_text())


def open_beta_line(page: Page) -> None:
    page.goto("/financien/budgetten")
    page.get_by_role("link", name=BETA_LINE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BETA_LINE)


def test_finance_pages_pass_axe(page: Page, screenshot):
    log_in(page, "financien")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Financiën").click()
    page.get_by_role("link", name="Naar de budgetten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Budgetten van het Techniekpact")
    expect(page.get_by_role("region", name=f"Regels van {BETA_BUDGET}")).to_be_visible()
    assert_no_serious_violations(page, "/financien/budgetten")
    screenshot(page, "financien-budgetten")

    page.get_by_role("link", name=BETA_BUDGET, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BETA_BUDGET)
    chart = page.get_by_role("img", name=re.compile("tegen het plafond"))
    expect(chart).to_be_visible()
    page.get_by_text("De cijfers van de grafiek als tabel").click()
    expect(page.get_by_role("table", name=re.compile("per dag"))).to_be_visible()
    assert_no_serious_violations(page, "budget page")
    screenshot(page, "financien-budget-beta")

    page.get_by_role("link", name=BETA_LINE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BETA_LINE)
    expect(page.get_by_role("heading", name="Met de hand boeken")).to_be_visible()
    assert_no_serious_violations(page, "line page")
    screenshot(page, "financien-regel-beta")
    assert page.errors == []


def test_booking_by_hand_with_the_keyboard_only(page: Page):
    log_in(page, "financien")
    open_beta_line(page)
    before = committed(page)

    page.get_by_role("radio", name="Verplichten", exact=True).focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="Verplichten", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Bedrag in euro's")).to_be_focused()
    page.keyboard.type("1.234,56")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reden")).to_be_focused()
    page.keyboard.type("Nascholing techniekdocenten, regio Noord")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Boeken")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text(
        f"Geboekt: € 1.234,56 verplicht op {BETA_LINE}.")
    assert committed(page) == before + 1_234_56
    newest = page.get_by_role("table", name=re.compile("^Boekingen op")).locator("tbody tr").first
    expect(newest).to_contain_text("verplichten")
    expect(newest).to_contain_text("€ 1.234,56")
    expect(newest).to_contain_text("handmatig")
    expect(newest).to_contain_text("Esther Bakker")
    expect(newest).to_contain_text("Nascholing techniekdocenten, regio Noord")
    assert page.errors == []


def test_a_booking_over_the_ceiling_is_refused_with_the_amount_left(page: Page, screenshot):
    log_in(page, "financien")
    open_beta_line(page)
    before = committed(page)

    page.get_by_role("radio", name="Verplichten", exact=True).check()
    page.get_by_label("Bedrag in euro's").fill("100.000.000,00")
    page.get_by_label("Reden").fill("Te veel")
    page.get_by_role("button", name="Boeken").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Subsidieplafond bereikt")
    expect(summary).to_be_focused()  # the summary is read out first
    error = page.locator("#amount-error")
    expect(error).to_contain_text("Er is €")
    expect(page.get_by_label("Bedrag in euro's")).to_have_value("100.000.000,00")
    expect(page.get_by_label("Bedrag in euro's")).to_have_attribute("aria-invalid", "true")
    assert committed(page) == before
    assert_no_serious_violations(page, "refused booking")
    screenshot(page, "financien-regel-geweigerd")

    # The link in the summary leads to the field.
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile("#amount$"))
