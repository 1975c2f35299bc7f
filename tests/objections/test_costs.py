"""Costs of professional help (Awb 7:15): reimbursed at the fixed rate when the decision is revoked
because of an error of the authority and the objector asked for them. Points × the value of a
point (Besluit proceskosten bestuursrecht): 1 for the objection, 1 more for a hearing attended;
the value of a point is € 245,00 (assumed, admin data).

The sector plan is granted € 450.000,00 of € 500.166,66 on 10 April 2014.
"""

from datetime import timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Objection, Scheme
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.conftest import waive_hearing
from tests.objections.test_objections import refused

UPHELD = {"outcome": "upheld", "reason": "De kosten zijn ten onrechte niet meegeteld.",
          "amount": "500000.00"}


def objection() -> Objection:
    db.session.expire_all()
    return db.session.scalars(sa.select(Objection)).one()


def lodged(world, steps, costs: bool = True) -> int:
    number = steps.granted()
    steps.clock.advance(days=10)
    ok(world.applicant.fire(number, "lodge_objection", {
        "reason": "Alle kosten komen in aanmerking; onze advocaat licht dat toe.",
        "costs_requested": costs}))
    return number


def heard(world, steps, number: int) -> None:
    moment = steps.clock() + timedelta(days=7)
    ok(world.assessor.fire(number, "invite_to_hearing", {
        "hearing_at": moment.isoformat(), "place": "Parnassusplein 5, Den Haag"}))
    steps.clock.moment = moment + timedelta(hours=2)
    ok(world.assessor.fire(number, "record_hearing", {
        "held_on": moment.date().isoformat(), "attended": True}))


def test_costs_after_a_hearing_are_two_points(world, steps):
    number = lodged(world, steps)
    heard(world, steps, number)
    decided = ok(world.approver2.fire(number, "decide_objection", {
        **UPHELD, "authority_error": True}))
    assert decided["granted_amount"] == "500000.00"
    # 2 points × € 245,00 = € 490,00.
    assert objection().costs_cents == 490_00 and objection().authority_error
    event = world.applicant.history(number)[-1]
    assert (event["data"]["costs"], event["data"]["costs_points"]) == ("490.00", 2)
    on_objection = [d for d in decisions_of(number) if d.kind.value == "objection"][0]
    text = pdf_text(on_objection.pdf)
    for fact in ("Vergoeding van uw kosten", "artikel 7:15", "2 punten van € 245,00",
                 "Wij betalen u € 490,00"):
        assert fact in text, f"{fact!r} missing:\n{text}"


def test_costs_without_a_hearing_are_one_point(world, steps):
    number = lodged(world, steps)
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {**UPHELD, "authority_error": True}))
    assert objection().costs_cents == 245_00  # 1 point × € 245,00


def test_no_costs_unless_asked_for_and_caused_by_the_authority(world, steps):
    number = lodged(world, steps, costs=False)
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", {**UPHELD, "authority_error": True}))
    assert objection().costs_cents is None and objection().authority_error
    text = pdf_text([d for d in decisions_of(number) if d.kind.value == "objection"][0].pdf)
    assert "niet om vergoeding van de kosten" in text


def test_upheld_without_an_error_of_the_authority_pays_no_costs(world, steps):
    number = lodged(world, steps)
    waive_hearing(world, number)
    ok(world.approver2.fire(number, "decide_objection", UPHELD))
    assert objection().costs_cents is None and not objection().authority_error
    text = pdf_text([d for d in decisions_of(number) if d.kind.value == "objection"][0].pdf)
    assert "Vergoeding van uw kosten" not in text


def test_an_error_of_the_authority_only_when_upheld(world, steps):
    number = lodged(world, steps)
    waive_hearing(world, number)
    error = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "rejected", "reason": "Besluit blijft.", "authority_error": True}))
    assert "gegrond" in error["fields"]["authority_error"][0]
    assert objection().outcome is None and objection().costs_cents is None


def test_the_value_of_a_point_is_data_an_admin_changes(world, steps):
    number = lodged(world, steps)
    heard(world, steps, number)
    scheme = db.session.scalars(sa.select(Scheme).where(Scheme.code == "sectorplan")).one()
    scheme.rules = {**(scheme.rules or {}), "objection_costs_point_cents": 259_00}
    db.session.flush()
    ok(world.approver2.fire(number, "decide_objection", {**UPHELD, "authority_error": True}))
    assert objection().costs_cents == 518_00  # 2 points × € 259,00
