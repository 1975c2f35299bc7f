"""The check of the record in a real browser: reached from the finance overview, it passes
axe-core before and after a check, and "Nu controleren" works with the keyboard alone."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations, log_in


def test_the_check_of_the_record_runs_from_the_keyboard_and_passes_axe(page: Page, screenshot):
    log_in(page, "financien")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Financiën").click()
    page.get_by_role("link", name="Naar de controle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controle van de vastlegging")
    assert_no_serious_violations(page, "/financien/controle/")

    page.get_by_role("button", name="Nu controleren").focus()
    page.keyboard.press("Enter")
    # The demo, as the app made it, has nothing to find.
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Controle \d+: geen afwijkingen"))
    latest = page.get_by_role("region", name="Laatste controle")
    expect(latest).to_contain_text("Esther Bakker")
    expect(latest).to_contain_text("Geen afwijkingen")
    assert_no_serious_violations(page, "/financien/controle/ after a check")
    screenshot(page, "financien-controle")
    assert page.errors == []
