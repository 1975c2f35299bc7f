"""Paying in a real browser: the due list, the confirmation, the prepared run, its approval by a
second person and the SEPA file, each page passing axe-core. On a demo server of its own, so the
shared one keeps its figures."""

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_server
from tests.browser.test_pages import assert_no_serious_violations, log_in

NEW_YEAR_2015 = datetime(2015, 1, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def payments_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("payments-instance"), "payments",
                     clock=lambda: NEW_YEAR_2015) as server:
        yield server.url


def test_a_payment_run_from_due_list_to_sepa_file(open_page, payments_server, screenshot):
    page: Page = open_page(payments_server)
    log_in(page, "financien")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Betalingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betalingen")
    expect(page.get_by_label("Vervallen op of voor")).to_have_value("2015-01-02")
    due = page.get_by_role("table", name=re.compile("Te betalen tot en met"))
    expect(due).to_be_visible()
    assert due.locator("tbody tr").count() > 0
    assert_no_serious_violations(page, "/financien/betalingen/")
    screenshot(page, "betalingen-vervallen")

    confirm = page.get_by_label(re.compile("Ik heb de betalingen gecontroleerd"))
    # The browser itself asks for the confirmation first (the server checks it too).
    page.get_by_role("button", name="Betaalrun voorbereiden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betalingen")
    assert confirm.evaluate("box => !box.validity.valid")
    confirm.check()
    page.get_by_role("button", name="Betaalrun voorbereiden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Betaalrun \d+$"))
    run_url = page.url
    # Prepared, not paid: no file yet, and the preparer is offered no approval.
    expect(page.get_by_text("Komt er pas na goedkeuring.")).to_be_visible()
    expect(page.get_by_role("button", name="Betaalrun goedkeuren")).to_have_count(0)
    assert_no_serious_violations(page, "prepared run page")
    screenshot(page, "betalingen-voorbereid")

    # A second person, an approver, approves it.
    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    log_in(page, "beslisser")
    page.goto(run_url)
    page.get_by_role("button", name="Betaalrun goedkeuren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Betaalrun \d+$"))
    expect(page.get_by_text(re.compile(r"is goedgekeurd: \d+ betalingen geboekt"))).to_be_visible()
    lines = page.get_by_role("table", name=re.compile("Betalingen van betaalrun"))
    expect(lines).to_be_visible()
    assert_no_serious_violations(page, "run page")
    screenshot(page, "betalingen-run")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"Download TP-\w+-\d+\.xml")).click()
    data = Path(download_info.value.path()).read_bytes()
    digest = page.locator("code").filter(has_text=re.compile("^[0-9a-f]{64}$")).inner_text()
    assert hashlib.sha256(data).hexdigest() == digest
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" in data
    assert page.errors == []
