"""The RIF committee in a real browser: the demo's second member, Greet Hoekstra, declares a
conflict of interest for RIF-2014-00002 (first forgetting to confirm: the error summary names
the field), after which it leaves her score sheets and shows in the ranking only as declared;
the ranking shows where the period's ceiling draws the line, with the cumulative amount and
the room left, and downloads as a CSV. The approver sees who stood aside. axe-core finds no
serious or critical violation on these pages, at laptop and at phone width.

A live server of its own, so the other browser tests never see this declaration.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import _code_for as code_for
from tests.browser.conftest import demo_server
from tests.browser.test_pages import assert_no_serious_violations as assert_accessible

MEMBER, MEMBER_PASSWORD = "commissie2@demo.techniekpact.nl", "commissie2-demo-2014"
APPROVER, APPROVER_PASSWORD = "beslisser@demo.techniekpact.nl", "beslisser-demo-2014"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def committee_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("committee-instance"), "committee") as server:
        yield server


def application_id(server, reference: str) -> int:
    import sqlalchemy as sa

    from grants.extensions import db
    from grants.models import Application

    with server.app.app_context():
        number = db.session.scalars(sa.select(Application.id).where(
            Application.reference == reference)).one()
        db.session.remove()
    return number


def check(page: Page, screenshot, name: str) -> None:
    assert_accessible(page, name)
    screenshot(page, f"committee-{name}")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_accessible(page, f"{name} (phone)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone: {width}px"
    page.set_viewport_size(size)


@pytest.fixture
def open_page(browser):
    """open_page(server): a page in a browser session of its own for one user of ``server``."""
    contexts = []

    def open_(server):
        context = browser.new_context(base_url=server.url, locale="nl-NL",
                                      viewport={"width": 1280, "height": 800},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.server = server
        return page

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()


def log_in(page: Page, email: str, password: str) -> None:
    """Password, then the code from the member's authenticator app, typed in as a person does."""
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code invullen")
    app = page.server.app
    cookie = next(c["value"] for c in page.context.cookies()
                  if c["name"] == app.config["SESSION_COOKIE_NAME"])
    page.get_by_label("Code", exact=True).fill(code_for(app, cookie))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_member_declares_a_conflict_and_the_ranking_shows_the_line(
        open_page, committee_server, screenshot):
    greet = open_page(committee_server)
    log_in(greet, MEMBER, MEMBER_PASSWORD)
    greet.goto("/beoordelen/commissie")
    main = greet.locator("main")
    expect(greet.get_by_role("link", name="RIF-2014-00002 scoren")).to_be_visible()
    check(greet, screenshot, "ranking-before")

    greet.get_by_role("link", name="Belangenverstrengeling melden voor RIF-2014-00002").click()
    expect(greet.get_by_role("heading", level=1)).to_have_text(
        "Belangenverstrengeling melden voor RIF-2014-00002")
    expect(main).to_contain_text("Een melding is definitief: u kunt haar niet intrekken.")
    greet.get_by_label("Toelichting (optioneel)").fill("Mijn zwager is directeur van dit ROC.")
    greet.get_by_role("button", name="Belangenverstrengeling melden").click()
    summary = greet.get_by_role("alert")
    expect(summary).to_contain_text("Er is een probleem")
    expect(summary.get_by_role("link", name="Bevestig dat u belangenverstrengeling meldt.")) \
        .to_have_attribute("href", "#confirm")
    check(greet, screenshot, "declare-refused")

    greet.get_by_label(re.compile("Ik meld belangenverstrengeling")).check()
    greet.get_by_role("button", name="Belangenverstrengeling melden").click()
    expect(greet.get_by_role("heading", level=1)).to_have_text("Beoordelingscommissie RIF")
    expect(main).to_contain_text("U heeft belangenverstrengeling gemeld voor RIF-2014-00002.")
    expect(greet.get_by_role("link", name="RIF-2014-00002 scoren")).to_have_count(0)
    ranking = greet.get_by_role("table", name="Rangschikking van de RIF-aanvragen")
    declared = ranking.get_by_role("row").filter(has_text="RIF-2014-00002")
    expect(declared).to_contain_text(
        "belangenverstrengeling gemeld: u ziet en scoort deze aanvraag niet")
    expect(declared.get_by_role("link")).to_have_count(0)

    # The line at the 2014 period's ceiling: the assessed RIF-2014-00001 fits below it.
    expect(main).to_contain_text("De lijn ligt bij het plafond van")
    scored = ranking.get_by_role("row").filter(has_text="RIF-2014-00001")
    expect(scored).to_contain_text("Voldoende")
    expect(scored).to_contain_text("boven de lijn")
    requested = scored.get_by_role("cell").nth(4).inner_text()
    assert scored.get_by_role("cell").nth(5).inner_text() == requested  # the cumulative
    assert re.fullmatch(r"€\s[\d.]+,\d\d", scored.get_by_role("cell").nth(6).inner_text())
    check(greet, screenshot, "ranking-after")

    with greet.expect_download() as download_info:
        greet.get_by_role("link", name="Rangschikking downloaden (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "rangschikking-rif-alle-tijdvakken.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    assert rows[0][:3] == ["Plaats", "Kenmerk", "Instelling"]
    assert rows[1][:2] == ["1", "RIF-2014-00001"] and rows[1][-1] == "boven de lijn"
    assert rows[-1] == ["", "RIF-2014-00002", "", "", "", "", "", "",
                        "belangenverstrengeling gemeld"]

    # Her own ways into the application are closed too.
    number = application_id(committee_server, "RIF-2014-00002")
    for path in (f"/beoordelen/commissie/{number}", f"/aanvragen/{number}"):
        assert greet.goto(path).status == 404, path
    carla = open_page(committee_server)
    log_in(carla, APPROVER, APPROVER_PASSWORD)
    carla.goto("/beoordelen/commissie")
    expect(carla.locator("main")).to_contain_text(
        "Belangenverstrengeling gemeld door: Greet Hoekstra")
    check(carla, screenshot, "ranking-approver")
