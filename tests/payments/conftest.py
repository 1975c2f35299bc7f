"""Granted applications, walked there through the API, with organisations that have an IBAN."""

from datetime import UTC, datetime

import pytest

from grants.extensions import db
from tests.conftest import START
from tests.workflows.scenarios import PARTLY

EMPLOYERS_IBAN = "NL91ABNA0417164300"
INSTITUTION_IBAN = "NL20INGB0001234567"


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


class Grants:
    def __init__(self, world, clock):
        self.world, self.clock = world, clock

    def sector_plan(self, amount: str = "450000.00", **changes) -> int:
        """Granted on 10 April 2014; the plan runs from 1 July 2014 to 31 December 2015."""
        w = self.world
        self.clock.moment = START
        number = ok(w.applicant.create(w.sectorplan(**changes)), 201)["id"]
        ok(w.applicant.fire(number, "submit"))
        ok(w.assessor.fire(number, "start_assessment"))
        ok(w.assessor.fire(number, "record_assessment", {
            "recommendation": "positive", "reasoning": "Past bij de regeling."}))
        self.clock.advance(days=9)
        ok(w.approver.fire(number, "approve", {"amount": amount, **PARTLY}))
        return number

    def rif(self) -> int:
        """Submitted on 20 May 2014, granted (€ 500.000,00) by the ranking run of 10 June 2014;
        the project runs 1 August 2014 – 31 December 2017."""
        w = self.world
        self.clock.moment = datetime(2014, 5, 20, 10, tzinfo=UTC)
        number = ok(w.rif_applicant.create(w.rif()), 201)["id"]
        ok(w.rif_applicant.fire(number, "submit"))
        ok(w.assessor.fire(number, "start_assessment"))
        for member in (w.committee, w.committee2):
            ok(member.fire(number, "record_assessment", {
                "scores": {"fit": 8, "coordination": 7, "durability": 6, "innovation": 9}}))
        w.rank_rif(self.clock)
        return number


@pytest.fixture
def grants(world, clock):
    world.employers.iban = EMPLOYERS_IBAN
    world.institution.iban = INSTITUTION_IBAN
    db.session.commit()
    return Grants(world, clock)
