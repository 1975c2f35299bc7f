"""Decisions taken through the API as their users would, and the letters read back as text."""

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from grants.extensions import db
from grants.models import Decision
from tests.conftest import START
from tests.reports.flow import settlement_request
from tests.workflows.scenarios import PARTLY


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def pdf_text(pdf: bytes) -> str:
    """The letter's text, whitespace (and no-break spaces) folded to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


class Steps:
    """Walk applications to their decisions through the API."""

    def __init__(self, world, clock):
        self.world, self.clock = world, clock

    def assessed_sector_plan(self, **changes) -> int:
        w = self.world
        self.clock.moment = START
        number = ok(w.applicant.create(w.sectorplan(**changes)), 201)["id"]
        ok(w.applicant.fire(number, "submit"))
        ok(w.assessor.fire(number, "start_assessment"))
        ok(w.assessor.fire(number, "record_assessment", {
            "recommendation": "positive", "reasoning": "Past bij de regeling."}))
        return number

    def granted(self, amount: str = "450000.00") -> int:
        number = self.assessed_sector_plan()
        self.clock.advance(days=9)
        ok(self.world.approver.fire(number, "approve", {"amount": amount, **PARTLY}))
        return number

    def rejected(self, reason: str, **data) -> int:
        number = self.assessed_sector_plan()
        ok(self.world.approver.fire(number, "reject", {"reason": reason, **data}))
        return number

    def not_processed(self) -> int:
        w = self.world
        self.clock.moment = START
        number = ok(w.applicant.create(w.sectorplan()), 201)["id"]
        ok(w.applicant.fire(number, "submit"))
        ok(w.assessor.fire(number, "request_information",
                           {"reason": "De begroting per maatregel ontbreekt."}))
        self.clock.advance(days=15)
        ok(w.assessor.fire(number, "close_unprocessed",
                           {"reason": "De begroting is niet binnen de hersteltermijn ontvangen."}))
        return number

    def settled(self, advance: str, final: str) -> int:
        w = self.world
        number = self.granted()
        ok(w.finance.fire(number, "pay_advance", {"amount": advance}))
        ok(settlement_request(w.applicant, number, final))
        self.clock.advance(days=30)
        w.decide_prepared(number, "settle", {"amount": final,
                                          "reason": "Niet alle maatregelen zijn uitgevoerd."})
        return number

    def praktijkleren_settled(self) -> int:
        w = self.world
        self.clock.moment = datetime(2014, 9, 15, 14, 30, tzinfo=UTC)
        number = ok(w.employer_applicant.create(w.praktijkleren()), 201)["id"]
        ok(w.employer_applicant.fire(number, "submit"))
        ok(w.assessor.fire(number, "start_assessment"))
        ok(w.assessor.fire(number, "record_assessment"))
        w.settle_praktijkleren(self.clock)
        return number

    def objection_decided(self, outcome: str) -> int:
        w = self.world
        number = self.granted()
        self.clock.advance(days=10)
        ok(w.applicant.fire(number, "lodge_objection",
                            {"reason": "Wij vroegen € 500.166,66; de korting is niet uitgelegd."}))
        self.clock.advance(days=20)
        ok(w.assessor.fire(number, "waive_hearing", {
            "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
        ok(w.approver2.fire(number, "decide_objection", {
            "outcome": outcome,
            "reason": "De korting volgt uit de kosten die niet subsidiabel zijn."}))
        return number


@pytest.fixture
def steps(world, clock):
    return Steps(world, clock)


def decisions_of(application_id: int) -> list[Decision]:
    return list(db.session.query(Decision).filter_by(application_id=application_id)
                .order_by(Decision.id))
