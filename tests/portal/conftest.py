"""The portal as an applicant's browser session sees it: pages, forms with their CSRF token,
and small PDFs made on the spot."""

import io
import re
from dataclasses import dataclass

import pytest
from pypdf import PdfWriter

from grants.extensions import db
from grants.models import Application
from tests.conftest import csrf_token, login
from tests.factories import consent_all


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Browser:
    """A logged-in test client that fills in forms as a person would."""

    client: object

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client, "/portaal/"))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def web(client):
    return Browser(client)


@pytest.fixture
def session_for(app):
    """session_for(user): a separate browser session, logged in as ``user``."""

    def start(user) -> Browser:
        client = app.test_client()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return Browser(client)

    return start


@pytest.fixture
def applicant(world, login_as, web):
    """The employers' organisation's applicant, logged in on the web."""
    login_as(world.applicant.user)
    return web


def draft_id(world, **changes) -> int:
    response = world.applicant.create(world.sectorplan(**changes))
    assert response.status_code == 201, response.get_json()
    # The plan's partner consents at once, to the plan as the portal tests submit it.
    consent_all(db.session.get(Application, response.get_json()["id"]))
    return response.get_json()["id"]


def edit_form(application, world, **overrides) -> dict:
    """The sector plan form as the page posts it, filled in completely and correctly."""
    data = {
        "version": str(application.version),
        "title": "Sectorplan metaal",
        "sector": "Metaal en techniek",
        "region": "Noord",
        "starts_on": "2014-07-01",
        "ends_on": "2015-12-31",
        "lead_organisation": str(world.employers.id),
        "partners-0-organisation": str(world.employers.id),
        "partners-0-role": "employers",
        "partners-1-organisation": str(world.employees.id),
        "partners-1-role": "employees",
        "measures-0-title": "Leerwerkplekken voor jongeren",
        "measures-0-theme": "youth",
        "measures-0-eligible_cost": "1.000.000,00",
        "measures-0-requested_subsidy": "500.000,00",
        "measures-1-title": "Van werk naar werk",
        "measures-1-theme": "work_to_work",
        "measures-1-eligible_cost": "333,33",
        "measures-1-requested_subsidy": "166,66",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def error_for(html: str, field_id: str) -> str:
    """The error text shown next to the field ``field_id`` (empty when there is none)."""
    match = re.search(rf'<p class="field__error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      html, re.S)
    if match is None:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).replace(
        "Fout:", "").strip()


def summary_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    if block is None:
        return []
    return [(anchor, re.sub(r"\s+", " ", text).strip()) for anchor, text in
            re.findall(r'<a href="#([^"]+)">(.*?)</a>', block.group(0), re.S)]
