"""The public progress monitor in a real browser: an anonymous visitor opens every public page,
on a desktop and a phone, and axe-core finds no violation of any impact; the staff report page
too."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_pages import log_in

PUBLIC = ["/voortgang", "/voortgang/regio/noord", "/voortgang/regio/oost-nederland",
          "/voortgang/regio/zuidoost", "/voortgang/regio/zuidwestvleugel",
          "/voortgang/regio/noordvleugel", "/voortgang/sector/metaal", "/voortgang/projecten",
          "/voortgang/projecten?regio=noord&regeling=sectorplan", "/voortgang/data"]


def assert_no_violations(page: Page, where: str) -> None:
    # The issue asks for public pages without any axe finding, minor ones included.
    violations = Axe().run(page).response["violations"]
    assert not violations, f"axe-core on {where}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_anonymous_visitor_opens_every_public_page(page: Page, width):
    page.set_viewport_size({"width": width, "height": 800})
    for path in PUBLIC:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.url.split("?")[0].endswith(path.split("?")[0]), "no login asked"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_violations(page, f"{path} at {width}px")
    assert page.errors == []


def test_start_page_has_the_region_chart_with_its_table(page: Page):
    page.goto("/")
    page.get_by_role("link", name=re.compile("Voortgang van het Techniekpact")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voortgang van het Techniekpact")
    expect(page.get_by_role("img", name="Verplicht en betaald per regio")).to_be_visible()
    expect(page.get_by_role("table", name="Verplicht, betaald en aanvragen per regio")) \
        .to_be_visible()
    page.get_by_role("link", name="Noord", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voortgang in regio Noord")


def test_staff_report_page_passes_axe_and_names_a_bad_date(page: Page):
    log_in(page, "financien")
    page.goto("/voortgang/rapport?tot=gisteren")
    expect(page.get_by_role("alert")).to_contain_text("JJJJ-MM-DD")
    assert_no_violations(page, "/voortgang/rapport with an error")
