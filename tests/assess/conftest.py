"""Applications walked to where the staff pages pick them up, and posting those pages' forms
as a person would (with the page's CSRF token)."""

import re
from html import unescape

import pytest

from grants.extensions import db
from grants.models import Application
from tests.conftest import START


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def text(response) -> str:
    """The page as text: tags dropped, entities and whitespace folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def _input(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def post(client, path: str, data: dict, *, prefix: str = "", page: str | None = None):
    """Post a form of ``page`` (default: ``path``) with its CSRF token and version."""
    shown = client.get(page or path).get_data(as_text=True)
    name = f"{prefix}-" if prefix else ""
    # Every form of a session carries the same token: a page without this form (to try a
    # post the page does not offer) lends its own.
    csrf = _input(shown, f"{name}csrf_token") or _input(shown, "csrf_token")
    version = _input(shown, f"{name}version")
    assert csrf, f"no {name}csrf_token on {page or path}"
    fields = {f"{name}csrf_token": csrf, f"{name}version": version or ""}
    fields.update({f"{name}{key}": value for key, value in data.items()})
    return client.post(path, data=fields)


def application(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


class Flow:
    """Applications through the API, up to the step a test starts from."""

    def __init__(self, world, clock):
        self.world, self.clock = world, clock

    def submitted(self, kind: str = "sectorplan", **changes) -> int:
        w = self.world
        applicant = {"sectorplan": w.applicant, "rif": w.rif_applicant,
                     "praktijkleren": w.employer_applicant}[kind]
        # Each scheme's window must be open: praktijkleren from 2 June, RIF from 12 May 2014.
        if kind == "praktijkleren":
            self.clock.moment = START.replace(month=6, day=10)
        elif kind == "rif" and self.clock.moment < START.replace(month=5, day=20):
            self.clock.moment = START.replace(month=5, day=20)
        number = ok(applicant.create(getattr(w, kind)(**changes)), 201)["id"]
        ok(applicant.fire(number, "submit"))
        return number

    def in_assessment(self, kind: str = "sectorplan", **changes) -> int:
        number = self.submitted(kind, **changes)
        ok(self.world.assessor.fire(number, "start_assessment"))
        return number

    def assessed(self, **changes) -> int:
        number = self.in_assessment(**changes)
        ok(self.world.assessor.fire(number, "record_assessment", {
            "recommendation": "positive", "reasoning": "Past bij de regeling.",
            "scores": {"analysis": 8, "measures": 7, "partnership": 8, "budget": 6}}))
        return number


@pytest.fixture
def flow(world, clock):
    return Flow(world, clock)
