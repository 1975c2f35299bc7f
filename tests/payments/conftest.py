"""Granted applications, walked there through the API, with organisations that have an IBAN."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    Ministry,
    Objection,
    ObjectionOutcome,
    PaymentRun,
)
from grants.payments.runs import approve_run, prepare_run
from tests.conftest import START
from tests.workflows.scenarios import PARTLY

EMPLOYERS_IBAN = "NL91ABNA0417164300"
INSTITUTION_IBAN = "NL20INGB0001234567"
PRAKTIJKLEREN_IBAN = "NL44RABO0123456789"


def pay_run(world, clock, ministry: Ministry, due_on) -> PaymentRun:
    """A run prepared by finance and approved by the approver (four eyes), at the clock's time."""
    run = prepare_run(ministry, due_on, world.finance.user, clock())
    return approve_run(run.id, world.approver.user, clock())


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
    # The employer's confirmed IBAN: its praktijkleren applications may name no other.
    world.employer.iban = PRAKTIJKLEREN_IBAN
    db.session.commit()
    return Grants(world, clock)


def settle(world, clock, number: int, amount: str) -> None:
    """The assessor settles (vaststelling) at ``amount``; where a settlement needs a second
    person (four eyes), the approver approves it."""
    from grants.services import approvals
    from grants.services.applications import fire_trigger

    data = {"amount": amount, "reason": "Vastgesteld op de verantwoorde kosten."}
    application = db.session.get(Application, number)
    if approvals.is_prepared_trigger(application, "settle"):
        decision = approvals.prepare_trigger(number, "settle", world.assessor.user, data,
                                             clock())
        approvals.approve(decision.id, world.approver.user, clock())
    else:
        fire_trigger(number, "settle", world.assessor.user, data, clock())
    db.session.commit()


def praktijkleren_settled(world, clock) -> int:
    """Praktijkleren 2013/14 of the employer, settled directly by the final run of
    20 November 2014 at the full rate: Sanne 40/40 mbo place € 2.700,00 and Ahmed 21/42 hbo
    place € 1.350,00, € 4.050,00 in all, to be paid to the employer's confirmed IBAN, which
    the application names (the ``grants`` fixture gives it)."""
    clock.moment = datetime(2014, 9, 1, 10, tzinfo=UTC)
    api = world.employer_applicant
    number = ok(api.create(world.praktijkleren(iban=PRAKTIJKLEREN_IBAN)), 201)["id"]
    ok(api.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment"))
    world.settle_praktijkleren(clock)
    assert ok(world.finance.get(number))["state"] == "settled"
    return number


def objection_with_costs(number: int, costs_cents: int, decided_at: datetime,
                         lodged_at: datetime) -> Objection:
    """An objection against the application's latest decision, upheld for an error of the
    authority with the applicant's costs (Awb 7:15) awarded, as the objection workflow records
    it."""
    application = db.session.get(Application, number)
    against = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == number).order_by(AuditEvent.id.desc()).limit(1)).one()
    objection = Objection(
        application_id=number, against_event_id=against.id, lodged_at=lodged_at,
        lodged_by_id=application.created_by_id, reason="Het besluit gaat uit van een fout.",
        decision_due_on=lodged_at.date(), outcome=ObjectionOutcome.UPHELD,
        decided_at=decided_at, decided_by_id=against.actor_id,
        decision_reason="Gegrond: de kosten waren wel subsidiabel.", costs_cents=costs_cents)
    db.session.add(objection)
    db.session.commit()
    return objection
