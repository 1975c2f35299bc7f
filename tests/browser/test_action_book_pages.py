"""The action book in a real browser: programme staff create an action and give it a step, and
add a PDF as evidence, listed and downloadable on the public page; an anonymous visitor reads the
public pages (per theme, per landsdeel, one action) with the demo's overdue step flagged in
words; axe-core finds no violation on any of these pages."""

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_pages import log_in, main_text
from tests.portal.conftest import pdf_bytes


def assert_no_violations(page: Page, where: str) -> None:
    violations = Axe().run(page).response["violations"]
    assert not violations, f"axe-core on {where}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"]) for v in violations)


def test_programme_staff_create_an_action_with_a_step(page: Page, screenshot):
    log_in(page, "programma")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Actieboek").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actieboek Techniekpact")
    assert_no_violations(page, "/actieboek")
    page.get_by_role("link", name="Nieuwe actie").click()
    assert_no_violations(page, "/actieboek/nieuw")

    # Sent empty first: the error summary names the fields and leads to them.
    page.get_by_role("button", name="Actie aanmaken").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Vul de titel in.")
    expect(summary).to_contain_text("Kies een thema.")
    assert_no_violations(page, "/actieboek/nieuw with errors")
    summary.get_by_role("link", name="Vul de titel in.").click()
    expect(page.get_by_label("Titel")).to_be_focused()

    page.get_by_label("Titel").fill("Techniekpromotie in het voortgezet onderwijs")
    page.get_by_label("Thema").select_option(label="Kiezen voor techniek")
    page.get_by_label("Soort actie").select_option(label="Regionaal techniekpact")
    page.get_by_label("Landsdeel").select_option("Zuidoost")
    page.get_by_label("Verantwoordelijke partijen").fill("Provincie Noord-Brabant\nBrainport")
    page.get_by_label("Status").select_option(label="Op schema")
    page.get_by_role("group", name="Regelingen die deze actie financieren").get_by_label(
        re.compile("Regionaal investeringsfonds")).check()
    page.get_by_role("button", name="Actie aanmaken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Techniekpromotie in het voortgezet onderwijs")
    expect(page.get_by_role("status")).to_contain_text("is aangemaakt")

    page.get_by_label("Omschrijving van de stap").fill("Lespakket techniek verspreid")
    page.get_by_label("Uiterste datum").fill("2030-06-30")
    page.get_by_role("button", name="Stap toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Lespakket techniek verspreid")
    steps = page.get_by_role("region", name="Stappen")
    expect(steps).to_contain_text("Lespakket techniek verspreid")
    history = page.get_by_role("region", name="Geschiedenis")
    expect(history).to_contain_text("Stap toegevoegd")
    expect(history).to_contain_text("Hanneke Willems")
    assert_no_violations(page, "/actieboek/N")
    screenshot(page, "actieboek-actie")

    page.get_by_role("link", name="Openbare pagina van deze actie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Techniekpromotie in het voortgezet onderwijs")
    assert "Hanneke Willems" not in main_text(page)
    # The refused form above answers 422, which the browser logs; nothing else may fail.
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_an_anonymous_visitor_reads_the_public_action_book(page: Page, screenshot):
    response = page.goto("/voortgang/acties")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Actieboek Techniekpact")
    text = main_text(page)
    for theme in ("Kiezen voor techniek", "Leren in de techniek", "Werken in de techniek",
                  "Regionale techniekpacten"):
        assert theme in text
    # The demo's examples say they are examples, and its overdue step is flagged in words.
    assert "voorbeeld" in text and "stap te laat" in text
    assert_no_violations(page, "/voortgang/acties")
    screenshot(page, "actieboek-openbaar")

    page.get_by_role("link", name="Per landsdeel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Actieboek Techniekpact per landsdeel")
    expect(page.get_by_role("heading", name="Noord", exact=True)).to_be_visible()
    assert_no_violations(page, "/voortgang/acties/regio")

    page.get_by_role("link", name="Praktijkleren: meer werkleerplaatsen in mbo en hbo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Praktijkleren: meer werkleerplaatsen in mbo en hbo")
    text = main_text(page)
    assert "Te laat:" in text and "Dit is een voorbeeld" in text
    assert "Budget: Praktijkleren" in text
    assert "Hanneke Willems" not in text and "programma@" not in text
    assert_no_violations(page, "/voortgang/acties/N")
    assert page.errors == []


def test_programme_staff_add_a_pdf_listed_on_the_public_page(page: Page, screenshot):
    log_in(page, "programma")
    page.goto("/actieboek")
    page.get_by_role("link", name="Regionaal techniekpact Noord").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regionaal techniekpact Noord")
    upload = page.get_by_label("Of: een PDF-bestand")
    # The hint beside the upload says the document becomes public.
    expect(upload).to_have_accessible_description(re.compile("wordt openbaar"))
    data = pdf_bytes(1)
    page.get_by_label("Titel van het bewijsstuk").fill("Convenant Noord")
    upload.set_input_files({"name": "convenant noord.pdf", "mimeType": "application/pdf",
                            "buffer": data})
    page.get_by_role("button", name="Bewijsstuk toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Convenant Noord")
    link = page.get_by_role("link", name="Convenant Noord")
    expect(link).to_be_visible()
    expect(page.get_by_role("region", name="Geschiedenis")).to_contain_text(
        "convenant noord.pdf")
    assert_no_violations(page, "/actieboek/N with a document")

    page.get_by_role("link", name="Openbare pagina van deze actie").click()
    public_link = page.get_by_role("link", name="Convenant Noord")
    expect(page.get_by_role("main")).to_contain_text("PDF, 1 kB")
    assert_no_violations(page, "/voortgang/acties/N with a document")
    with page.expect_download() as download:
        public_link.click()
    assert download.value.suggested_filename == "convenant noord.pdf"
    assert Path(download.value.path()).read_bytes() == data
    assert page.errors == []
