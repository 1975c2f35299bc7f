"""Every payable reaches a payment run: praktijkleren's direct settlement, the balance after a
settlement, and the costs of an upheld objection, each a SEPA line, each paid once."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.budget import ledger
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Ministry,
    PaymentKind,
    PaymentLine,
)
from grants.payments.runs import due_payments
from tests.payments.conftest import (
    EMPLOYERS_IBAN,
    PRAKTIJKLEREN_IBAN,
    objection_with_costs,
    pay_run,
    praktijkleren_settled,
    settle,
)
from tests.payments.test_runs import NEW_YEAR_2015, NS, sepa_document
from tests.reports.flow import settlement_request


def entries(number: int) -> list[tuple[str, int, str]]:
    return [(e.kind.value, e.amount_cents, e.cause) for e in db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == number)
        .order_by(LedgerEntry.id))]


def transfers(run) -> list[tuple[str, str, str]]:
    payment = sepa_document(run.sepa_xml).find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    return [(t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
             t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
             t.findtext("p:RmtInf/p:Ustrd", namespaces=NS))
            for t in payment.findall("p:CdtTrfTxInf", NS)]


def test_a_praktijkleren_settlement_is_paid_in_full_by_the_run(grants, world, clock):
    number = praktijkleren_settled(world, clock)
    reference = db.session.get(Application, number).reference
    # The final run was on Thursday 20 November 2014; the run is made that day.
    run = pay_run(world, clock, Ministry.OCW, date(2014, 11, 20))

    assert [(line.application_id, line.kind, line.amount_cents, line.remittance)
            for line in run.lines] == [
        (number, PaymentKind.SETTLEMENT, 4_050_00, f"{reference} vaststelling")]
    assert transfers(run) == [("4050.00", PRAKTIJKLEREN_IBAN, f"{reference} vaststelling")]
    # Paid per category line, as committed: € 2.700,00 mbo and € 1.350,00 hbo.
    assert sorted(e for e in entries(number) if e[0] == "disburse") == [
        ("disburse", 1_350_00, "pay"), ("disburse", 2_700_00, "pay")]
    assert db.session.get(Application, number).state == ApplicationState.PAID
    assert run.lines[0].ledger_entry is not None
    assert due_payments(Ministry.OCW, date(2014, 11, 20), world.finance.user).lines == []


def test_one_approval_pays_two_schemes_each_through_its_own_workflow(grants, world, clock):
    # OCW owes a RIF project its first yearly advance (€ 100.000,00, due 1 August 2014) and an
    # employer its praktijkleren settlement (€ 4.050,00, 20 November 2014): one run pays both.
    rif = grants.rif()
    settled = praktijkleren_settled(world, clock)
    run = pay_run(world, clock, Ministry.OCW, date(2014, 11, 20))

    assert sorted((line.application_id, line.kind, line.amount_cents) for line in run.lines) \
        == sorted([(rif, PaymentKind.ADVANCE, 100_000_00),
                   (settled, PaymentKind.SETTLEMENT, 4_050_00)])
    assert (run.line_count, run.total_cents) == (2, 104_050_00)
    assert entries(rif)[-1] == ("disburse", 100_000_00, "pay_advance")
    assert sorted(e for e in entries(settled) if e[0] == "disburse") == [
        ("disburse", 1_350_00, "pay"), ("disburse", 2_700_00, "pay")]
    assert (db.session.get(Application, rif).state,
            db.session.get(Application, settled).state) == (ApplicationState.MONITORED,
                                                            ApplicationState.PAID)
    assert all(line.ledger_entry.kind == EntryKind.DISBURSE for line in run.lines)


def test_a_praktijkleren_settlement_raised_after_objection_pays_the_difference(
        grants, world, clock):
    number = praktijkleren_settled(world, clock)
    pay_run(world, clock, Ministry.OCW, date(2014, 11, 20))
    db.session.commit()
    # An upheld objection raises the mbo place by € 300,00 and the application is settled
    # again (the objection workflow's part, done here by hand): committed € 4.350,00, paid
    # € 4.050,00.
    application = db.session.get(Application, number)
    clock.moment = datetime(2015, 2, 2, 9, tzinfo=UTC)
    mbo = db.session.scalars(sa.select(BudgetLine).join(LedgerEntry).where(
        LedgerEntry.application_id == number, LedgerEntry.amount_cents == 2_700_00)
        .limit(1)).one()
    ledger.post(mbo, EntryKind.COMMIT, 300_00, actor=world.approver.user, now=clock(),
                cause="decide_objection", application=application)
    application.state = ApplicationState.SETTLED
    application.decided_at = clock()
    db.session.commit()

    run = pay_run(world, clock, Ministry.OCW, date(2015, 2, 2))
    assert [(line.kind, line.amount_cents, line.paid_through_cents) for line in run.lines] == [
        (PaymentKind.SETTLEMENT, 300_00, 4_350_00)]
    assert db.session.get(Application, number).state == ApplicationState.PAID
    assert entries(number)[-1] == ("disburse", 300_00, "pay")


def test_the_balance_after_settlement_is_paid_once(grants, world, clock):
    number = grants.sector_plan()  # € 450.000,00: three advances of € 120.000,00
    reference = db.session.get(Application, number).reference
    clock.moment = NEW_YEAR_2015
    pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    db.session.commit()
    clock.moment = datetime(2016, 2, 15, 9, tzinfo=UTC)
    assert settlement_request(world.applicant, number, "400000.00").status_code == 200
    clock.moment = datetime(2016, 3, 1, 9, tzinfo=UTC)  # a Tuesday
    settle(world, clock, number, "400000.00")

    # Settled at € 400.000,00 after € 240.000,00 of advances: € 160.000,00 is left to pay.
    preview = due_payments(Ministry.SZW, date(2016, 3, 1), world.finance.user)
    assert [(line.kind, line.amount_cents) for line in preview.lines] == [
        (PaymentKind.BALANCE, 160_000_00)]
    run = pay_run(world, clock, Ministry.SZW, date(2016, 3, 1))
    assert transfers(run) == [("160000.00", EMPLOYERS_IBAN,
                               f"{reference} saldo na vaststelling")]
    assert run.lines[0].end_to_end_id == f"{reference}-{run.id}-S"
    assert entries(number)[-1] == ("disburse", 160_000_00, "pay")
    assert db.session.get(Application, number).state == ApplicationState.SETTLED
    db.session.commit()
    assert due_payments(Ministry.SZW, date(2016, 3, 1), world.finance.user).lines == []


def test_objection_costs_are_paid_once_and_never_touch_the_budget(grants, world, clock):
    number = grants.sector_plan()
    reference = db.session.get(Application, number).reference
    objection = objection_with_costs(
        number, 1_050_00, decided_at=datetime(2014, 7, 1, 9, tzinfo=UTC),
        lodged_at=datetime(2014, 5, 20, 9, tzinfo=UTC))
    budget_before = entries(number)
    clock.moment = datetime(2014, 7, 1, 10, tzinfo=UTC)

    run = pay_run(world, clock, Ministry.SZW, date(2014, 7, 1))
    costs = [line for line in run.lines if line.kind == PaymentKind.OBJECTION_COSTS]
    assert [(line.objection_id, line.amount_cents, line.remittance, line.ledger_entry_id)
            for line in costs] == [
        (objection.id, 1_050_00, f"{reference} proceskosten bezwaar van 20-05-2014", None)]
    assert ("1050.00", EMPLOYERS_IBAN, f"{reference} proceskosten bezwaar van 20-05-2014") in (
        transfers(run))
    # The first advance (€ 120.000,00, due 1 July 2014) is booked; the costs are not.
    assert entries(number) == [*budget_before, ("disburse", 120_000_00, "pay_advance")]
    db.session.commit()

    # Never twice: no later run offers it, and the database refuses a second held line.
    clock.moment = datetime(2015, 1, 2, 9, tzinfo=UTC)
    preview = due_payments(Ministry.SZW, date(2015, 1, 1), world.finance.user)
    assert PaymentKind.OBJECTION_COSTS not in {line.kind for line in preview.lines}
    later = pay_run(world, clock, Ministry.SZW, date(2015, 1, 1))
    assert {line.kind for line in later.lines} == {PaymentKind.ADVANCE}
    with pytest.raises(IntegrityError), db.session.begin_nested():
        twice = costs[0]
        db.session.add(PaymentLine(
            run_id=later.id, application_id=number, kind=PaymentKind.OBJECTION_COSTS,
            objection_id=objection.id, due_on=twice.due_on, amount_cents=1_050_00,
            paid_through_cents=2_100_00, creditor_name=twice.creditor_name,
            creditor_iban=twice.creditor_iban, remittance=twice.remittance,
            end_to_end_id=f"{reference}-{later.id}-K{objection.id}", held=True))
        db.session.flush()


def test_costs_of_an_objection_decided_after_the_day_wait(grants, world, clock):
    number = grants.sector_plan()
    objection_with_costs(number, 1_050_00, decided_at=datetime(2014, 7, 2, 9, tzinfo=UTC),
                         lodged_at=datetime(2014, 5, 20, 9, tzinfo=UTC))
    clock.moment = datetime(2014, 7, 2, 10, tzinfo=UTC)
    preview = due_payments(Ministry.SZW, date(2014, 7, 1), world.finance.user)
    assert [line.kind for line in preview.lines] == [PaymentKind.ADVANCE]
    preview = due_payments(Ministry.SZW, date(2014, 7, 2), world.finance.user)
    assert [line.kind for line in preview.lines] == [PaymentKind.ADVANCE,
                                                     PaymentKind.OBJECTION_COSTS]
