"""The API's documentation in a real browser, without logging in: readable, navigable by its
table of contents, and free of serious accessibility violations (axe-core)."""

from playwright.sync_api import Page, expect

from tests.browser.test_pages import assert_no_serious_violations


def test_the_api_documentation_is_public_and_passes_axe(page: Page, screenshot):
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_have_text("API-documentatie")
    page.get_by_role("link", name="Applications, their lifecycle, history and decisions").click()
    expect(page.get_by_role("heading", name="GET /api/v1/applications/{id}/history")
           ).to_be_visible()
    assert_no_serious_violations(page, "/api/v1/docs")
    screenshot(page, "api-docs")
    assert page.errors == []
