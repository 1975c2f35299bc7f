"""Uploading praktijkleren places in a real browser: the progress bar while the file goes up,
then the server's answer in the page (the wrong lines, or what was imported); the same form
without JavaScript; and no serious accessibility violations in any of these states.

The demo employer (werkgever@) has one draft praktijkleren application, PL-2014-2015-00002. The
live server runs on real time, long after that window closed; importing places into a draft is
allowed whatever the window. The refused uploads change nothing; the one accepted upload puts
five places back, as the demo has.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

EMAIL, PASSWORD = "werkgever@demo.techniekpact.nl", "werkgever-demo-2014"
HEADER = "student_name,category,programme_code,school,starts_on,ends_on,weeks"


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Welkom"))


def draft_places_page(page: Page) -> tuple[str, int]:
    """Path of the places page of the employer's draft praktijkleren application; its year."""
    page.goto("/aanvragen/?scheme=praktijkleren&state=draft")
    link = page.locator("main table tbody tr").first.get_by_role("link")
    expect(link).to_have_text(re.compile(r"PL-\d{4}-\d{4}-\d+"))
    first_year = int(re.search(r"PL-(\d{4})-", link.inner_text())[1])
    return link.get_attribute("href") + "/plaatsen", first_year


def places_csv(first_year: int, count: int, wrong_lines=()) -> bytes:
    lines = [HEADER]
    for number in range(count):
        line_number = number + 2  # the header is line 1
        category = "havo" if line_number in wrong_lines else "mbo"
        lines.append(f"Student {number:05d},{category},25180,ROC in de regio,"
                     f"{first_year}-09-01,{first_year + 1}-06-30,{40 if number % 3 else 30}")
    return ("\n".join(lines) + "\n").encode()


def choose_file(page: Page, body: bytes) -> None:
    page.get_by_label("CSV-bestand met plaatsen").set_input_files(
        files=[{"name": "plaatsen.csv", "mimeType": "text/csv", "buffer": body}])


def watch_progress(page: Page) -> None:
    """Note every value the progress bar takes and whether it was shown, and mark the document
    so that a full page load (the form posting without the script) would show."""
    page.evaluate("""() => {
        window.progressSeen = [];
        window.progressShown = false;
        const bar = document.querySelector('progress');
        new MutationObserver(() => {
            window.progressSeen.push(Number(bar.getAttribute('value')));
            if (!bar.parentElement.hidden) { window.progressShown = true; }
        }).observe(bar, {attributes: true});
    }""")


def assert_no_serious_violations(page: Page, what: str) -> None:
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe-core on {what}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"]) for v in serious)


def test_upload_with_progress_then_the_result(page: Page, context, screenshot):
    log_in(page)
    path, first_year = draft_places_page(page)
    response = page.goto(path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Plaatsen van PL-"))
    expect(page.locator(".places-upload__progress")).to_be_hidden()
    assert_no_serious_violations(page, f"{path} (form)")

    # A large file with two wrong lines, sent through a slow connection: the bar moves.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1,
        "uploadThroughput": 256 * 1024})
    watch_progress(page)
    body = places_csv(first_year, 6000, wrong_lines=(3, 7))
    assert len(body) > 300_000  # more than a second at 256 kB/s
    choose_file(page, body)
    page.get_by_role("button", name="Plaatsen inlezen").click()
    expect(page.get_by_role("progressbar", name="Voortgang van het uploaden")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Geüpload")).to_be_visible()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Er is niets ingelezen", timeout=30_000)
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Regel 3", "Regel 7"])
    expect(summary).to_contain_text("category: Kies een van deze waarden")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    # The page was not reloaded: the answer came in through the script.
    seen = page.evaluate("window.progressSeen")
    assert page.evaluate("window.progressShown") is True
    assert any(0 < value < 100 for value in seen), seen
    assert seen[-1] == 100, seen
    screenshot(page, "plaatsen-fouten")
    assert_no_serious_violations(page, f"{path} (errors)")
    expect(page.locator("main table.places-table tbody tr")).to_have_count(5)  # unchanged

    # The link takes the user back to the file field; a good file replaces the places.
    summary.get_by_role("link", name="Regel 3").click()
    expect(page.get_by_label("CSV-bestand met plaatsen")).to_be_focused()
    choose_file(page, places_csv(first_year, 5))
    page.get_by_role("button", name="Plaatsen inlezen").click()
    notice = page.locator("main .notice--success")
    expect(notice).to_contain_text("5 plaatsen ingelezen uit 5 regels")
    expect(notice).to_be_focused()
    expect(page.get_by_role("alert")).to_have_count(0)
    rows = page.locator("main table.places-table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Student 00000")
    screenshot(page, "plaatsen-ingelezen")
    assert_no_serious_violations(page, f"{path} (imported)")
    # Chromium logs the refused upload's answer (422) as a failed resource; nothing else.
    assert [error for error in page.errors
            if "status of 422" not in error or not error.endswith(f"{path})")] == []


@pytest.fixture
def page_without_script(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL",
                                  java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_form_works_without_javascript(page_without_script: Page):
    """Progressive enhancement: the form posts and the answer is a page of its own."""
    page = page_without_script
    log_in(page)
    path, first_year = draft_places_page(page)
    page.goto(path)
    choose_file(page, places_csv(first_year, 10, wrong_lines=(3, 7)))
    with page.expect_navigation():
        page.get_by_role("button", name="Plaatsen inlezen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Er is niets ingelezen")
    expect(summary.get_by_role("link")).to_have_text(["Regel 3", "Regel 7"])
    # (axe-core cannot run in a page without JavaScript; the same page is checked above.)
