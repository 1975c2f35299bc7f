"""Getting in without anyone knowing your password, and what comes after, in a real browser
(issue 14), as one walk by the same people: an organisation registers itself from the login
page, its registrant (Anna) confirms through the link in the outgoing mail and chooses a
password, staff verify the organisation, Anna (now its administrator) invites a colleague (Bert),
and Bert chooses a password and logs in. Then:

- Bert turns on two-factor authentication with a code computed from the secret the page shows,
  sees his recovery codes, logs out, and logging in again shows him the code page, which he
  answers himself (his browser stops answering it by itself: see ``answer_code_step``);
- Anna gives the organisation its IBAN: it waits for confirmation and is not in effect until
  Bert confirms it;
- Bert files a praktijkleren application with places read from a CSV file and the confirmed
  IBAN the form fills in, submits it, withdraws it after the confirmation page, and sees it
  "Ingetrokken";
- Anna has forgotten her password: the mailed link sets a new one, the old one no longer works,
  the new one does, and the link a second time says it was used;
- Bert's cookies copied into another browser work there until Bert logs out; then the copy is
  sent to the login page;
- Anna's organisation (an O&O fund) starts a sector plan naming another organisation only:
  saving it is refused, the lead field named in the error summary.

axe-core finds no serious or critical violation on any of these pages.

The module runs its own live server, so that it can read the mail the app wrote to its outbox.
Its clock starts on 10 June 2015, 10:00 in Amsterdam, and runs on: praktijkleren's window for
study year 2014/2015 (2 June to 15 September 2015) and the third sector-plan window (15 January
to 15 September 2015) are both open then. Codes for two-factor authentication follow real time
(grants.clock.outside_time), as a phone's app does.
"""

import re
import time
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from grants.clock import RunningClock
from tests.browser.conftest import demo_server
from tests.browser.test_consent_browser import EMPLOYERS_OPTION
from tests.browser.test_pages import assert_no_serious_violations
from tests.browser.test_pages import log_in as log_in_demo
from tests.browser.test_places_upload import choose_file, places_csv

ORGANISATION = "Stichting Techniek Twente"
REGISTRANT, REGISTRANT_EMAIL = "Anna de Vries", "anna@techniektwente.nl"
COLLEAGUE, COLLEAGUE_EMAIL = "Bert Jansen", "bert@techniektwente.nl"
NEW_PASSWORD = "zeven blauwe fietsen in de wind"
COLLEAGUE_PASSWORD = "acht rode fietsen op de dijk"
RESET_PASSWORD = "negen groene fietsen bij de brug"
IBAN = "NL91 ABNA 0417 1643 00"
# 10 June 2015, 10:00 in Amsterdam: praktijkleren 2014/2015 and sector plans T3 are open.
STARTS_AT = datetime(2015, 6, 10, 8, 0, tzinfo=UTC)
PLACES = 3


@pytest.fixture(scope="module")
def onboarding_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("onboarding-instance"), "onboarding",
                     clock=RunningClock(STARTS_AT)) as server:
        yield server


def mailed_link(server, recipient: str, pattern: str) -> str:
    """The path of the link in the newest mail the app wrote to ``recipient``."""
    from grants.extensions import db
    from grants.models import OutgoingMail

    with server.app.app_context():
        body = db.session.scalars(
            sa.select(OutgoingMail.body).where(OutgoingMail.recipient == recipient)
            .order_by(OutgoingMail.id.desc()).limit(1)).one()
        db.session.remove()
    match = re.search(r"https?://[^/\s]+(" + pattern + r"[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def choose_password(page: Page, password: str, button: str) -> None:
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(password)
    page.get_by_label("Nieuw wachtwoord herhalen").fill(password)
    page.get_by_role("button", name=button).click()


def refused(page: Page, status: int) -> None:
    """Forget the failed loads Chromium logs for answers that refuse on purpose (``status``);
    any other console error stays, for the walk's last check."""
    page.errors[:] = [error for error in page.errors if f"status of {status}" not in error]


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def code_after(secret: str, spent_step: int) -> str:
    """The code Bert's app shows now, or the next one while the code he enrolled with is still
    the current one: the app takes each time step's code once (replay), and accepts one step of
    drift either way."""
    step = max(int(time.time()) // 30, spent_step + 1)
    return pyotp.TOTP(secret).at(step * 30)


def test_an_organisation_from_registration_to_a_withdrawn_application(open_page,
                                                                      onboarding_server):
    url = onboarding_server.url
    anna = open_page(url)

    # Registering, from the login page; a mistake first, named at its field.
    anna.goto("/login")
    anna.get_by_role("link", name="Meld uw organisatie aan").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Organisatie aanmelden")
    assert_no_serious_violations(anna, "/registreren")
    anna.get_by_label("Naam van de organisatie").fill(ORGANISATION)
    anna.get_by_label("KvK-nummer").fill("4123 4567")
    anna.get_by_label("Soort organisatie").select_option("om_fund")
    anna.get_by_label("Landsdeel").select_option("Oost-Nederland")
    anna.get_by_label("Adres", exact=True).fill("Hengelosestraat 1")
    anna.get_by_label("Postcode").fill("75 21")
    anna.get_by_label("Plaats").fill("Enschede")
    anna.get_by_label("Uw naam").fill(REGISTRANT)
    anna.get_by_label("Uw e-mailadres").fill(REGISTRANT_EMAIL)
    anna.get_by_role("button", name="Aanmelding versturen").click()
    expect(anna.locator(".error-summary")).to_contain_text("postcode")
    assert_no_serious_violations(anna, "/registreren with a mistake")
    # The refused form's 422 is what Chromium logs as a failed load; it is the answer wanted.
    assert all("422" in error for error in anna.errors), anna.errors
    anna.errors.clear()
    anna.get_by_label("Postcode").fill("7521 AG")
    anna.get_by_role("button", name="Aanmelding versturen").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Aanmelding verstuurd")
    assert_no_serious_violations(anna, "registration sent")

    # The link in the mail: a password, and the account and the (pending) organisation exist.
    anna.goto(mailed_link(onboarding_server, REGISTRANT_EMAIL, "/registreren/bevestigen/"))
    expect(anna.get_by_role("heading", level=1)).to_have_text("Aanmelding bevestigen")
    assert_no_serious_violations(anna, "confirm registration")
    choose_password(anna, NEW_PASSWORD, "Wachtwoord instellen en aanmelden")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert_no_serious_violations(anna, "login after registering")
    log_in(anna, REGISTRANT_EMAIL, NEW_PASSWORD)
    expect(anna.get_by_role("heading", level=1)).to_have_text(f"Welkom, {REGISTRANT}")
    anna.goto("/portaal/")
    expect(anna.get_by_role("main")).to_contain_text("wacht op controle door het ministerie")
    assert_no_serious_violations(anna, "portal of a pending organisation")

    # Staff verify the organisation on its admin page.
    staff = open_page(url)
    log_in_demo(staff, "beheer")
    staff.goto("/beheer/organisaties?status=pending")
    staff.get_by_role("link", name=ORGANISATION).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    assert_no_serious_violations(staff, "admin page of the registered organisation")
    staff.get_by_label("Tekenbevoegde").fill(REGISTRANT)
    staff.get_by_label("Ik heb het KvK-nummer").check()
    staff.get_by_label("Ik heb gecontroleerd dat deze persoon").check()
    staff.get_by_label("Waarop de controle berust").fill("Uittreksel Handelsregister van vandaag")
    staff.get_by_role("button", name="Organisatie als gecontroleerd vastleggen").click()
    expect(staff.get_by_role("main")).to_contain_text("is gecontroleerd")
    expect(staff.get_by_role("main")).to_contain_text("Organisatie aangemeld")

    # The registrant, the organisation's administrator, invites a colleague.
    anna.goto("/portaal/organisatie")
    anna.get_by_role("link", name="Collega's uitnodigen en hun accounts beheren").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Collega's")
    assert_no_serious_violations(anna, "colleagues")
    anna.get_by_label("Naam", exact=True).fill(COLLEAGUE)
    anna.get_by_label("E-mailadres", exact=True).fill(COLLEAGUE_EMAIL)
    anna.get_by_role("button", name="Uitnodiging versturen").click()
    expect(anna.get_by_role("main")).to_contain_text(f"{COLLEAGUE} is uitgenodigd")
    expect(anna.get_by_role("table").filter(has_text=COLLEAGUE_EMAIL)).to_be_visible()
    assert_no_serious_violations(anna, "colleagues with an open invitation")

    # The colleague opens the invitation, chooses a password and logs in.
    bert = open_page(url)
    bert.goto(mailed_link(onboarding_server, COLLEAGUE_EMAIL, "/uitnodiging/"))
    expect(bert.get_by_role("heading", level=1)).to_have_text("Uitnodiging aannemen")
    expect(bert.get_by_role("main")).to_contain_text(ORGANISATION)
    assert_no_serious_violations(bert, "invitation")
    choose_password(bert, COLLEAGUE_PASSWORD, "Wachtwoord instellen")
    expect(bert.get_by_role("heading", level=1)).to_have_text("Inloggen")
    log_in(bert, COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD)
    expect(bert.get_by_role("heading", level=1)).to_have_text(f"Welkom, {COLLEAGUE}")
    bert.goto("/portaal/")
    expect(bert.get_by_role("main")).not_to_contain_text("wacht op controle")
    assert_no_serious_violations(bert, "portal of the invited colleague")

    # Staff see every step in the organisation's history.
    staff.reload()
    history = staff.get_by_role("region", name=f"Geschiedenis van {ORGANISATION}")
    for step in ("Organisatie aangemeld", "Organisatie gecontroleerd", "Collega uitgenodigd",
                 "Uitnodiging aangenomen"):
        expect(history).to_contain_text(step)

    turn_on_two_factor(bert)
    confirm_a_new_iban(anna, bert)
    file_and_withdraw(bert)
    reset_a_forgotten_password(anna, onboarding_server)
    refuse_a_copied_cookie(bert, open_page(url),
                           onboarding_server.app.config["SESSION_COOKIE_NAME"])
    refuse_a_plan_in_another_name_only(anna)

    for each in (anna, staff, bert):
        assert each.errors == [], each.errors


def turn_on_two_factor(bert: Page) -> None:
    bert.get_by_role("banner").get_by_role("link", name="Wachtwoord wijzigen").click()
    bert.get_by_role("link", name="Tweestapsverificatie aanzetten").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text("Tweestapsverificatie aanzetten")
    assert_no_serious_violations(bert, "/account/tweestapsverificatie")
    secret = bert.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    spent_step = int(time.time()) // 30
    bert.get_by_label("Code uit uw app").fill(pyotp.TOTP(secret).at(spent_step * 30))
    bert.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text("Uw herstelcodes")
    expect(bert.get_by_role("list", name="Herstelcodes").get_by_role("listitem")).to_have_count(10)
    assert_no_serious_violations(bert, "recovery codes")
    log_out(bert)

    # The browsers of this module answer the code step by themselves (conftest's
    # answer_code_step); Bert's stops doing so, so the code page must show and he types the code.
    bert.context.unroute_all()
    log_in(bert, COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD)
    expect(bert.get_by_role("heading", level=1)).to_have_text("Code invullen")
    expect(bert).to_have_url(re.compile(r"/login/code$"))
    assert_no_serious_violations(bert, "/login/code")
    bert.get_by_label("Code", exact=True).fill(code_after(secret, spent_step))
    bert.get_by_role("button", name="Inloggen").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text(f"Welkom, {COLLEAGUE}")


def confirm_a_new_iban(anna: Page, bert: Page) -> None:
    anna.goto("/portaal/organisatie")
    in_effect = anna.locator("main dd.reference").first
    expect(in_effect).to_have_text("nog niet bekend")
    anna.get_by_label("IBAN", exact=True).fill(IBAN)
    anna.get_by_role("button", name="Gegevens bewaren").click()
    expect(anna.locator("main")).to_contain_text("Het nieuwe IBAN wacht op bevestiging")
    expect(anna.get_by_role("heading", name="Nieuw IBAN wacht op bevestiging")).to_be_visible()
    expect(in_effect).to_have_text("nog niet bekend")
    expect(anna.get_by_role("button", name="Nieuw IBAN bevestigen")).to_have_count(0)
    assert_no_serious_violations(anna, "IBAN waiting for confirmation")

    bert.goto("/portaal/organisatie")
    expect(bert.locator("main dd.reference").first).to_have_text("nog niet bekend")
    expect(bert.locator("main")).to_contain_text(IBAN)
    assert_no_serious_violations(bert, "IBAN to confirm")
    bert.get_by_role("button", name="Nieuw IBAN bevestigen").click()
    expect(bert.locator("main")).to_contain_text("Het nieuwe IBAN is bevestigd")
    expect(bert.locator("main dd.reference").first).to_have_text(IBAN)

    anna.reload()
    expect(in_effect).to_have_text(IBAN)
    expect(anna.get_by_role("heading", name="Nieuw IBAN wacht op bevestiging")).to_have_count(0)


def file_and_withdraw(bert: Page) -> None:
    bert.goto("/portaal/")
    bert.get_by_role("link", name=re.compile(
        r"Aanvraag starten\W+Subsidieregeling praktijkleren, Studiejaar 2014\W2015")).click()
    bert.get_by_label("Titel van de aanvraag").fill("Praktijkleren 2014/2015: drie leerlingen")
    bert.get_by_role("button", name="Concept aanmaken").click()
    expect(bert.get_by_role("status")).to_contain_text("is aangemaakt")
    reference = re.search(r"PL-2014-2015-\d{5}", bert.locator(".portal-meta").inner_text())[0]
    edit_url = bert.url
    # The organisation's confirmed IBAN, the only one it may be paid to, is filled in.
    expect(bert.get_by_label("IBAN", exact=True)).to_have_value(IBAN.replace(" ", ""))
    bert.get_by_label("Nummer van het erkend leerbedrijf").fill("10012345")
    bert.get_by_role("button", name="Concept opslaan").click()
    expect(bert.get_by_role("status")).to_contain_text("Uw wijzigingen zijn bewaard")
    assert_no_serious_violations(bert, "praktijkleren draft")

    bert.get_by_role("link", name="Plaatsen bekijken of inlezen uit een CSV-bestand").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text(f"Plaatsen van {reference}")
    choose_file(bert, places_csv(2014, PLACES))
    bert.get_by_role("button", name="Plaatsen inlezen").click()
    expect(bert.locator("main .notice--success")).to_contain_text(
        f"{PLACES} plaatsen ingelezen uit {PLACES} regels")
    assert_no_serious_violations(bert, "places read")

    bert.goto(edit_url)
    expect(bert.get_by_role("main")).to_contain_text(f"Deze aanvraag heeft {PLACES} plaatsen.")
    bert.get_by_role("button", name="Aanvraag indienen").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text("Uw aanvraag is ontvangen")
    expect(bert.locator("main")).to_contain_text(f"Kenmerk: {reference}")
    assert_no_serious_violations(bert, "receipt")

    bert.get_by_role("link", name="Naar de statuspagina van deze aanvraag").click()
    bert.get_by_role("link", name="Aanvraag intrekken").click()
    expect(bert.get_by_role("heading", level=1)).to_have_text("Aanvraag intrekken")
    expect(bert.locator(".portal-meta")).to_contain_text(reference)
    assert_no_serious_violations(bert, "withdraw")
    bert.get_by_label("Toelichting (niet verplicht)").fill("Twee leerlingen zijn gestopt.")
    bert.get_by_role("button", name="Ja, trek de aanvraag in").click()
    expect(bert.get_by_role("main")).to_contain_text(f"Aanvraag {reference} is ingetrokken.")
    expect(bert.locator(".portal-meta .state")).to_have_text("Ingetrokken")
    expect(bert.get_by_role("link", name="Aanvraag intrekken")).to_have_count(0)
    assert_no_serious_violations(bert, "withdrawn application")


def reset_a_forgotten_password(anna: Page, server) -> None:
    log_out(anna)
    anna.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(anna.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten")
    assert_no_serious_violations(anna, "/wachtwoord-vergeten")
    anna.get_by_label("E-mailadres").fill(REGISTRANT_EMAIL)
    anna.get_by_role("button", name="Link versturen").click()
    expect(anna.get_by_role("status")).to_contain_text("krijgt u binnen enkele minuten een e-mail")
    assert_no_serious_violations(anna, "reset link sent")

    link = mailed_link(server, REGISTRANT_EMAIL, "/wachtwoord-herstellen/")
    anna.goto(link)
    expect(anna.get_by_role("heading", level=1)).to_have_text("Nieuw wachtwoord instellen")
    assert_no_serious_violations(anna, "/wachtwoord-herstellen")
    choose_password(anna, RESET_PASSWORD, "Wachtwoord instellen")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(anna.get_by_role("main")).to_contain_text("Uw nieuwe wachtwoord is ingesteld")

    log_in(anna, REGISTRANT_EMAIL, NEW_PASSWORD)
    expect(anna.get_by_role("main")).to_contain_text(
        "Het e-mailadres of het wachtwoord is onjuist.")
    expect(anna.get_by_role("heading", level=1)).to_have_text("Inloggen")
    refused(anna, 401)
    log_in(anna, REGISTRANT_EMAIL, RESET_PASSWORD)
    expect(anna.get_by_role("heading", level=1)).to_have_text(f"Welkom, {REGISTRANT}")

    anna.goto(link)
    expect(anna.get_by_role("alert")).to_contain_text("Deze link is al gebruikt")
    assert_no_serious_violations(anna, "used reset link")
    refused(anna, 410)


def refuse_a_copied_cookie(bert: Page, copy: Page, session_cookie: str) -> None:
    # Everything Bert's browser holds for the site, as a thief would take it.
    cookies = bert.context.cookies()
    assert session_cookie in {cookie["name"] for cookie in cookies}, cookies
    copy.context.add_cookies(cookies)
    copy.goto("/portaal/")
    expect(copy.get_by_role("banner")).to_contain_text(COLLEAGUE)
    expect(copy).to_have_url(re.compile(r"/portaal/$"))

    log_out(bert)
    copy.goto("/portaal/")
    expect(copy).to_have_url(re.compile(r"/login"))
    expect(copy.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(copy.get_by_role("banner")).not_to_contain_text(COLLEAGUE)
    assert copy.errors == [], copy.errors


def refuse_a_plan_in_another_name_only(anna: Page) -> None:
    anna.goto("/portaal/")
    anna.get_by_role("link", name=re.compile(
        r"Aanvraag starten\W+Cofinanciering sectorplannen, Derde aanvraagtijdvak")).click()
    anna.get_by_label("Titel van de aanvraag").fill("Sectorplan op naam van de werkgevers")
    anna.get_by_role("button", name="Concept aanmaken").click()
    expect(anna.get_by_role("status")).to_contain_text("is aangemaakt")
    anna.get_by_label("Hoofdaanvrager").select_option(label=EMPLOYERS_OPTION)
    partner = anna.get_by_role("group", name="Partner 1")
    partner.get_by_label("Organisatie").select_option(label=EMPLOYERS_OPTION)
    partner.get_by_label("Rol in het samenwerkingsverband").select_option(label="Werkgevers")
    anna.get_by_role("button", name="Concept opslaan").click()
    summary = anna.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        f"Uw eigen organisatie ({ORGANISATION}) moet de hoofdaanvrager zijn of bij de partners "
        "staan: u kunt een sectorplan alleen indienen voor uw eigen organisatie.")
    lead = anna.get_by_label("Hoofdaanvrager")
    expect(lead).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link").click()
    expect(lead).to_be_focused()
    assert_no_serious_violations(anna, "sector plan in another name only")
    refused(anna, 422)
