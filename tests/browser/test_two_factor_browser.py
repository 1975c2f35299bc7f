"""Two-factor authentication in a real browser (issue 14): an applicant turns it on with a code
computed from the secret the page shows, keeps the recovery codes, logs out and in again with a
code; a demo staff member logs in with the demo's printed secret. Every page passes axe-core.
On a demo server of its own with a clock the test moves, so the codes are the test's to
compute and the shared server's users stay as they are."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from grants.demo import DEMO_TOTP_SECRET
from tests.browser.conftest import demo_server
from tests.browser.test_pages import assert_no_serious_violations, email, password


class Clock:
    def __init__(self):
        self.moment = datetime(2014, 5, 15, 8, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self) -> None:
        # Past the time step of the last code: a code is taken once.
        self.moment += timedelta(seconds=60)


@pytest.fixture(scope="module")
def clock():
    return Clock()


@pytest.fixture(scope="module")
def two_factor_server(tmp_path_factory, clock):
    with demo_server(tmp_path_factory.mktemp("two-factor-instance"), "two-factor",
                     clock=clock) as server:
        yield server.url


@pytest.fixture
def own_page(browser, two_factor_server):
    """A page whose context answers nothing by itself: this test types every code."""
    context = browser.new_context(base_url=two_factor_server, locale="nl-NL",
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"page error: {error}"))
    try:
        yield page
    finally:
        context.close()


def password_step(page: Page, local: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email(local))
    page.get_by_label("Wachtwoord").fill(password(local))
    page.get_by_role("button", name="Inloggen").click()


def test_an_applicant_turns_two_factor_on_and_logs_in_with_a_code(own_page: Page, clock,
                                                                   screenshot):
    page = own_page
    password_step(page, "werkgever")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Henk ter Horst")

    # From the account page (behind "Wachtwoord wijzigen" in the header) to enrolling.
    page.get_by_role("banner").get_by_role("link", name="Wachtwoord wijzigen").click()
    page.get_by_role("link", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie aanzetten")
    expect(page.get_by_role("img", name=re.compile("^QR-code"))).to_be_visible()
    assert_no_serious_violations(page, "/account/tweestapsverificatie")
    screenshot(page, "tweestapsverificatie-aanzetten")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    totp = pyotp.TOTP(secret)

    # A wrong code is refused at its field and in the summary.
    code_field = page.get_by_label("Code uit uw app")
    code_field.fill("000000" if totp.at(clock()) != "000000" else "111111")
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_role("alert")).to_contain_text("De code is onjuist")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    assert_no_serious_violations(page, "enrolment with a wrong code")

    code_field.fill(totp.at(clock()))
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw herstelcodes")
    codes = page.get_by_role("list", name="Herstelcodes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_no_serious_violations(page, "recovery codes")
    screenshot(page, "tweestapsverificatie-herstelcodes")

    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    # The password alone now leads to the code step.
    clock.advance()
    password_step(page, "werkgever")
    expect(page.get_by_role("heading", level=1)).to_have_text("Code invullen")
    assert_no_serious_violations(page, "/login/code")
    page.goto("/portaal/")
    expect(page).to_have_url(re.compile(r"/login"))  # not logged in by the password alone

    password_step(page, "werkgever")
    page.get_by_label("Code", exact=True).fill(totp.at(clock()))
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Henk ter Horst")

    page.get_by_role("banner").get_by_role("link", name="Wachtwoord wijzigen").click()
    page.get_by_role("link", name="Herstelcodes en instellingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie")
    expect(page.get_by_text("U heeft nog 10 ongebruikte herstelcodes.")).to_be_visible()
    assert_no_serious_violations(page, "/account/tweestapsverificatie (on)")
    assert page.errors == []


def test_demo_staff_log_in_with_the_printed_demo_secret(own_page: Page, clock):
    page = own_page
    clock.advance()
    password_step(page, "beoordelaar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Code invullen")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(DEMO_TOTP_SECRET).at(clock()))
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("banner")).to_contain_text("Bram Jansen")
    # Staff cannot switch it off; the page says whom to ask instead.
    page.goto("/account/tweestapsverificatie")
    expect(page.get_by_role("button", name="Tweestapsverificatie uitzetten")).to_have_count(0)
    expect(page.get_by_text(re.compile("Vraag een beheerder"))).to_be_visible()
    assert_no_serious_violations(page, "/account/tweestapsverificatie (staff)")
