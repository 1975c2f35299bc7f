"""Helpers for the admin and finance-dashboard tests: posting forms with their CSRF token,
reading tables and error messages off a page."""

import re
from html import unescape

import pytest

from grants.models import Role
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.test_finance_pages import approve
from tests.workflows.test_lifecycles import ok


def post_form(client, path: str, data: dict, page: str | None = None):
    """POST ``data`` to ``path`` with the CSRF token of the form on ``page`` (default: path)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})


def text_of(html: str) -> str:
    """A page's text without markup, whitespace (also the no-break space of "€ 1,00") folded."""
    return re.sub(r"[ \t\r\n\xa0]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def field_errors(html: str) -> dict[str, list[str]]:
    """The message next to each field, by the field's id."""
    errors: dict[str, list[str]] = {}
    for field_id, message in re.findall(
            r'<p class="field__error" id="([^"]+)-error">(.*?)</p>', html, re.S):
        errors.setdefault(field_id, []).append(text_of(message).replace("Fout:", "").strip())
    return errors


def summary_links(html: str) -> list[str]:
    """Where the error summary's links lead (#field ids)."""
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', summary.group()) if summary else []


@pytest.fixture
def admin(login_as, schemes):
    # After the seed, so that the login's commit keeps the seed when a refused request rolls
    # back.
    user = UserFactory(role=Role.ADMIN, name="Beheerder Bart")
    login_as(user)
    return user


@pytest.fixture
def committed_t2(world, clock):
    """Two sector plans granted on T2 (€ 450.000,00 and € 500.166,66), the first paid an
    advance of € 360.000,00: what test_finance_pages' figures start from."""
    first = approve(world, "450000.00")
    clock.advance(days=3)
    second = approve(world)
    clock.advance(days=2)
    ok(world.finance.fire(first, "pay_advance", {"amount": "360000.00"}))
    return first, second
