"""On a phone the lists of applications show each application's status without scrolling
sideways: the rows become cards."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_pages import log_in

PHONE = {"width": 375, "height": 740}


@pytest.mark.parametrize(("local", "path"), [("beoordelaar", "/aanvragen/"),
                                             ("aanvrager", "/portaal/")])
def test_the_status_of_every_application_is_in_view_on_a_phone(page: Page, local, path):
    page.set_viewport_size(PHONE)
    log_in(page, local)
    page.goto(path)
    states = page.locator("main table .state")
    expect(states.first).to_be_visible()
    assert states.count() > 0
    for index in range(min(states.count(), 10)):
        state = states.nth(index)
        state.scroll_into_view_if_needed()
        box = state.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], \
            f"status {index + 1} on {path} lies outside the screen: {box}"
        # Each card says what the figure is.
        cell = state.locator("xpath=ancestor::td[1]")
        assert cell.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Status: "'
