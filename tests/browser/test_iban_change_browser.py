"""An IBAN change held until a second person confirms it, in a real browser: applicant A of the
demo sector organisation asks for a new IBAN and sees it wait for confirmation (with no way to
confirm it herself); her colleague B first tries to reject it without a reason (the error
summary names the field), then confirms it, and the new IBAN is in force. Every user of the
organisation got a mail with the IBAN masked. axe-core finds no serious or critical violation
on these pages, at laptop and at phone width.

A live server of its own, so the other browser tests never see this organisation's change.
"""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_server
from tests.browser.test_pages import assert_no_serious_violations as assert_accessible

EMAIL, PASSWORD = "aanvrager@demo.techniekpact.nl", "aanvrager-demo-2014"
COLLEAGUE, COLLEAGUE_PASSWORD = "collega@demo.techniekpact.nl", "collega-iban-demo-2014"
NEW_IBAN = "NL20 INGB 0001 2345 67"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def iban_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("iban-instance"), "iban") as server:
        from grants.extensions import db
        from grants.models import Role, User, UserRole
        from grants.services.accounts import hash_password

        with server.app.app_context():
            anouk = db.session.scalars(sa.select(User).where(User.email == EMAIL)).one()
            db.session.add(User(email=COLLEAGUE, name="Bas Bakker",
                                password_hash=hash_password(COLLEAGUE_PASSWORD),
                                organisation_id=anouk.organisation_id,
                                role_rows=[UserRole(role=Role.APPLICANT)]))
            db.session.commit()
        yield server


def check(page: Page, screenshot, name: str) -> None:
    assert_accessible(page, name)
    screenshot(page, f"iban-{name}")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_accessible(page, f"{name} (phone)")
    page.set_viewport_size(size)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    # Staff pass the code step too (tests/browser/conftest.py answers it).
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_a_new_iban_waits_until_a_colleague_confirms_it(open_page, iban_server, screenshot):
    anouk = open_page(iban_server.url)
    log_in(anouk, EMAIL, PASSWORD)
    anouk.goto("/portaal/organisatie")
    main = anouk.locator("main")
    old_iban = main.locator("dd.reference").first.inner_text()
    anouk.get_by_label("IBAN", exact=True).fill(NEW_IBAN)
    anouk.get_by_role("button", name="Gegevens bewaren").click()
    expect(main).to_contain_text("Het nieuwe IBAN wacht op bevestiging")
    expect(anouk.get_by_role("heading", name="Nieuw IBAN wacht op bevestiging")).to_be_visible()
    expect(main).to_contain_text(NEW_IBAN)
    expect(anouk.get_by_role("button", name="Nieuw IBAN bevestigen")).to_have_count(0)
    expect(anouk.get_by_role("button", name="Wijziging intrekken")).to_be_visible()
    check(anouk, screenshot, "wacht-op-bevestiging")

    bas = open_page(iban_server.url)
    log_in(bas, COLLEAGUE, COLLEAGUE_PASSWORD)
    bas.goto("/portaal/organisatie")
    expect(bas.locator("main")).to_contain_text(NEW_IBAN)
    bas.get_by_role("button", name="Wijziging afwijzen").click()
    summary = bas.get_by_role("alert")
    expect(summary).to_contain_text("Vul de reden in waarom u de wijziging van het IBAN "
                                    "afwijst.")
    expect(bas.get_by_label("Reden van afwijzen")).to_have_attribute("aria-invalid", "true")
    check(bas, screenshot, "afwijzen-zonder-reden")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#afwijzen-reason")

    bas.get_by_role("button", name="Nieuw IBAN bevestigen").click()
    expect(bas.locator("main")).to_contain_text("Het nieuwe IBAN is bevestigd")
    expect(bas.locator("main dd.reference").first).to_have_text(NEW_IBAN)
    expect(bas.get_by_role("heading", name="Nieuw IBAN wacht op bevestiging")).to_have_count(0)
    check(bas, screenshot, "bevestigd")
    assert anouk.errors == [] and [e for e in bas.errors if "status of 422" not in e] == []

    from grants.extensions import db
    from grants.models import MailKind, Organisation, OutgoingMail, User

    with iban_server.app.app_context():
        organisation = db.session.scalars(sa.select(Organisation).join(
            User, User.organisation_id == Organisation.id).where(User.email == EMAIL)).one()
        assert organisation.iban == NEW_IBAN.replace(" ", "")
        asked = db.session.scalars(sa.select(OutgoingMail).where(
            OutgoingMail.kind == MailKind.IBAN_CHANGE_REQUESTED)).all()
        assert {mail.recipient for mail in asked} >= {EMAIL, COLLEAGUE}
        assert all("NL** **** **** **45 67" in mail.body and "0001 2345" not in mail.body
                   and old_iban not in mail.body for mail in asked)
        db.session.remove()


def test_finance_rejects_a_waiting_change_with_a_reason(open_page, iban_server, screenshot):
    anouk = open_page(iban_server.url)
    log_in(anouk, EMAIL, PASSWORD)
    anouk.goto("/portaal/organisatie")
    anouk.get_by_label("IBAN", exact=True).fill("NL44 RABO 0123 4567 89")
    anouk.get_by_role("button", name="Gegevens bewaren").click()
    expect(anouk.locator("main")).to_contain_text("Het nieuwe IBAN wacht op bevestiging")

    esther = open_page(iban_server.url)
    log_in(esther, "financien@demo.techniekpact.nl", "financien-demo-2014")
    esther.goto("/beheer/iban-wijzigingen")
    expect(esther.get_by_role("heading", level=1)).to_have_text("IBAN-wijzigingen")
    expect(esther.locator("main")).to_contain_text("NL44 RABO 0123 4567 89")
    check(esther, screenshot, "lijst")
    esther.get_by_role("link", name="Bevestigen of afwijzen").first.click()
    expect(esther.get_by_role("heading", level=1)).to_contain_text("IBAN-wijziging van")
    check(esther, screenshot, "wijziging")

    esther.get_by_role("button", name="Wijziging afwijzen").click()
    expect(esther.get_by_role("alert")).to_contain_text("Vul de reden in")
    check(esther, screenshot, "wijziging-fout")
    esther.get_by_label("Reden van afwijzen").fill("De tekenbevoegde weet van niets.")
    esther.get_by_role("button", name="Wijziging afwijzen").click()
    expect(esther.locator("main")).to_contain_text("is afgewezen")
    expect(esther.locator("main")).to_contain_text("De tekenbevoegde weet van niets.")

    anouk.goto("/portaal/organisatie")
    expect(anouk.get_by_role("heading", name="Nieuw IBAN wacht op bevestiging")).to_have_count(0)
    expect(anouk.locator("main dd.reference").first).not_to_have_text("NL44 RABO 0123 4567 89")
    assert [e for e in esther.errors if "status of 422" not in e] == []
