"""An upheld objection against a settlement takes the new settlement in the same firing (Awb
7:11): the ledger commits what it adds, the application is settled again with committed above
paid, so the next payment run pays the difference; against a ranked RIF refusal it is a grant
from the room the roll-over kept for it."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from grants.budget.ledger import application_balance
from grants.extensions import db
from grants.models import Application, LedgerEntry, PlaceCategory
from grants.services.schemes import amend_ceiling
from tests.allocation.test_law_of_the_window import ranked_2015
from tests.allocation.test_runs import line
from tests.decisions.conftest import decisions_of, ok, pdf_text
from tests.objections.conftest import waive_hearing
from tests.objections.test_objections import refused


def fresh(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def entries(number: int) -> list[tuple[str, int, str]]:
    return [(e.kind.value, e.amount_cents, e.cause) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == number)
        .order_by(LedgerEntry.id))]


def test_upheld_against_a_settlement_settles_higher_and_leaves_the_difference_to_pay(
        world, steps):
    # Granted € 450.000,00; € 200.000,00 advanced; settled at € 300.000,00.
    number = steps.settled(advance="200000.00", final="300000.00")
    assert application_balance(number).committed == 300_000_00
    steps.clock.advance(days=10)
    ok(world.applicant.fire(number, "lodge_objection", {
        "reason": "De maatregel van-werk-naar-werk is wel uitgevoerd; zie de presentielijsten."}))
    waive_hearing(world, number)
    for amount, field_message in (("300000.00", "hoger dan het herroepen bedrag"),
                                  ("460000.00", "niet meer worden vastgesteld dan is verleend")):
        error = refused(world.approver2.fire(number, "decide_objection", {
            "outcome": "upheld", "reason": "x", "amount": amount}))
        assert field_message in error["fields"]["amount"][0]
    error = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "x"}))
    assert "amount" in error["fields"]

    decided = ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "De presentielijsten tonen de uitvoering aan.",
        "amount": "400000.00"}))
    assert decided["state"] == "settled"
    application = fresh(number)
    assert application.settled_cents == 400_000_00
    assert entries(number)[-1] == ("commit", 100_000_00, "decide_objection")
    held = application_balance(number)
    # € 400.000,00 committed, € 200.000,00 paid: € 200.000,00 for the next payment run.
    assert (held.committed, held.paid) == (400_000_00, 200_000_00)

    on_objection, settlement = decisions_of(number)[-2:]
    assert (on_objection.kind.value, settlement.kind.value) == ("objection", "settlement")
    assert settlement.amount_cents == 400_000_00
    assert on_objection.audit_event_id == settlement.audit_event_id
    text = pdf_text(on_objection.pdf)
    for fact in ("gegrond", "vast op € 400.000,00", settlement.reference):
        assert fact in text, f"{fact!r} missing:\n{text}"
    text = pdf_text(settlement.pdf)
    for fact in ("€ 400.000,00", "Wij betalen u nog € 200.000,00", on_objection.reference,
                 "beroep instellen bij de rechtbank"):
        assert fact in text, f"{fact!r} missing:\n{text}"


def test_upheld_against_a_paid_direct_settlement_settles_it_again(world, clock):
    # One full mbo place (40 weeks); the mbo line holds € 2.000,00, so the run's rate is
    # min(€ 2.700,00, € 2.000,00 ÷ 1) = € 2.000,00.
    clock.moment = datetime(2014, 9, 15, 12, tzinfo=UTC)
    body = world.praktijkleren()
    body["places"] = body["places"][:1]
    number = ok(world.employer_applicant.create(body), 201)["id"]
    ok(world.employer_applicant.fire(number, "submit"))
    ok(world.assessor.fire(number, "start_assessment"))
    ok(world.assessor.fire(number, "record_assessment"))
    mbo_line = fresh(number).window.line_for(PlaceCategory.MBO)
    amend_ceiling(mbo_line, 2_000_00, reason="Testplafond", effective_on=date(2014, 9, 15),
                  now=clock(), user=None)
    world.settle_praktijkleren(clock)  # 20 November 2014
    ok(world.finance.fire(number, "pay"))
    assert fresh(number).state.value == "paid" and fresh(number).settled_cents == 2_000_00

    clock.moment = datetime(2014, 12, 1, 10, tzinfo=UTC)
    ok(world.employer_applicant.fire(number, "lodge_objection", {
        "reason": "Een aanvraag met dubbel getelde plaatsen drukte het tarief."}))
    waive_hearing(world, number)
    # The rate is corrected: the line gets room for the full rate again.
    amend_ceiling(mbo_line, 2_700_00, reason="Tarief hersteld", effective_on=date(2014, 12, 1),
                  now=clock(), user=None)
    over = refused(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "x", "amounts": {"mbo": "2800.00"}}))
    assert "Hoogstens € 2.700,00" in over["fields"]["amounts.mbo"][0].replace("\xa0", " ")

    decided = ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "Het tarief is ten onrechte verlaagd.",
        "amount": "2700.00"}))
    assert decided["state"] == "settled"
    application = fresh(number)
    assert (application.settled_cents, application.granted_cents) == (2_700_00, 2_700_00)
    # € 2.700,00 − € 2.000,00 = € 700,00 more committed on the mbo line.
    assert entries(number)[-1] == ("commit", 700_00, "decide_objection")
    held = application_balance(number, mbo_line.id)
    assert (held.committed, held.paid) == (2_700_00, 2_000_00)

    on_objection, settlement = decisions_of(number)[-2:]
    assert settlement.kind.value == "direct_settlement" and settlement.amount_cents == 2_700_00
    text = pdf_text(settlement.pdf)
    for fact in ("€ 2.700,00", "Eerder stelden wij de subsidie vast op € 2.000,00",
                 "Wij betalen u nog € 700,00", on_objection.reference):
        assert fact in text, f"{fact!r} missing:\n{text}"

    # Paying it again pays the difference.
    ok(world.finance.fire(number, "pay"))
    assert application_balance(number, mbo_line.id).paid == 2_700_00


def test_upheld_against_a_ranked_rif_refusal_is_granted_from_the_kept_room(world, clock):
    numbers = ranked_2015(world, clock)
    world.rank_rif(clock, "2015-1")  # 10 February 2015; € 300.000,00 kept for objections
    refused_one = numbers[2]
    assert fresh(refused_one).state.value == "rejected"
    clock.moment = datetime(2015, 3, 2, 10, tzinfo=UTC)
    ok(world.rif_applicant.fire(refused_one, "lodge_objection", {
        "reason": "De commissie heeft onze samenwerking met vijf bedrijven niet meegewogen."}))
    ok(world.assessor.fire(refused_one, "invite_to_hearing", {
        "hearing_at": "2015-03-09T10:00:00+01:00", "place": "Rijnstraat 50, Den Haag"}))
    clock.moment = datetime(2015, 3, 9, 12, tzinfo=UTC)
    ok(world.assessor.fire(refused_one, "record_hearing", {"held_on": "2015-03-09"}))

    decided = ok(world.approver2.fire(refused_one, "decide_objection", {
        "outcome": "upheld", "reason": "De samenwerking maakt het plan voldoende."}))
    assert decided["state"] == "approved" and decided["granted_amount"] == "300000.00"
    assert entries(refused_one) == [("commit", 300_000_00, "decide_objection")]
    assert line("2015-1").remaining_cents == 0
    assert [d.kind.value for d in decisions_of(refused_one)][-2:] == ["objection", "grant"]
