"""Issue 8 end to end: what happens after the grant, told as two stories and checked at each step
in the ledger, the application's state, the decision letters and the SEPA file.

1. A sector plan granted lower than requested is paid two advances by payment runs, misses its
   progress report's due date and is reminded once, reports, and is settled lower than the
   advances paid: the ledger releases the rest of the grant and recovers what was paid too much.
2. A rejected RIF application is raised to a grant by an upheld objection.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget.ledger import Balance, application_balance
from grants.budget.report import line_figures
from grants.errors import Conflict
from grants.extensions import db
from grants.models import (
    Application,
    BudgetLine,
    LedgerEntry,
    MailKind,
    Ministry,
    Objection,
    ReportKind,
    ReportStatus,
)
from grants.payments.runs import approve_run, due_payments, prepare_run
from grants.services.monitoring import monitoring_overview
from tests.decisions.conftest import Steps, decisions_of, ok, pdf_text
from tests.objections.test_objections import rejected_rif
from tests.payments.conftest import EMPLOYERS_IBAN, INSTITUTION_IBAN
from tests.payments.test_runs import NS, sepa_document
from tests.reports.flow import pdf_on_file, report_of, reports_of, settlement_request
from tests.reports.test_reports import at, remind, report_mails

# Requested € 500.166,66; granted less, with cents, so every derived amount is exact to the cent.
GRANTED = 456_789_01
# 80% of the grant in half-yearly instalments over the plan's 18 months (1 July 2014 to
# 31 December 2015): 365.431,20 (rounded down to the cent) / 3.
INSTALMENT = 121_810_40
CLAIMED = 172_345_67
FINAL = 165_432_10


@pytest.fixture
def steps(world, clock):
    world.employers.iban = EMPLOYERS_IBAN
    world.institution.iban = INSTITUTION_IBAN
    db.session.commit()
    return Steps(world, clock)


def fresh(number: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, number)


def entries(number: int) -> list[tuple[str, str | None, int, str]]:
    return [(e.kind.value, e.bucket.value if e.bucket else None, e.amount_cents, e.cause)
            for e in db.session.scalars(sa.select(LedgerEntry).where(
                LedgerEntry.application_id == number).order_by(LedgerEntry.id))]


def line_of(number: int) -> BudgetLine:
    """The budget line the application's grant was committed on."""
    return db.session.scalars(sa.select(BudgetLine).join(LedgerEntry).where(
        LedgerEntry.application_id == number).limit(1)).one()


def letter_says(decision, *facts: str) -> str:
    text = pdf_text(decision.pdf)
    for fact in facts:
        assert fact in text, f"{fact!r} missing from the {decision.kind.value} letter:\n{text}"
    return text


def transfers(run) -> list[tuple[str, str, str, str]]:
    """The credit transfers of the run's SEPA file, after validating it against pain.001."""
    document = sepa_document(run.sepa_xml)
    payment = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == (
        f"{run.total_cents // 100}.{run.total_cents % 100:02d}")
    return [(t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
             t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
             t.findtext("p:Cdtr/p:Nm", namespaces=NS),
             t.findtext("p:RmtInf/p:Ustrd", namespaces=NS))
            for t in payment.findall("p:CdtTrfTxInf", NS)]


def pay_run(world, clock, ministry: Ministry, day: date):
    clock.moment = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    # Four eyes: finance prepares, the approver approves; only then is anything paid.
    run = prepare_run(ministry, day, world.finance.user, clock())
    run = approve_run(run.id, world.approver.user, clock())
    db.session.commit()
    return run


def test_a_sector_plan_from_grant_through_two_advances_to_settlement_and_recovery(
        world, steps, clock, app):
    # -- granted lower than requested, with the reason the letter gives ----------------------
    number = steps.granted("456789.01")
    application = fresh(number)
    reference = application.reference
    assert (application.state.value, application.granted_cents) == ("approved", GRANTED)
    line = line_of(number)
    committed_on_line, paid_on_line = line_figures(line).committed, line_figures(line).disbursed
    assert entries(number) == [("commit", None, GRANTED, "approve")]
    assert application_balance(number) == Balance(committed=GRANTED)
    (grant,) = decisions_of(number)
    assert (grant.kind.value, grant.amount_cents) == ("grant", GRANTED)
    letter_says(grant, grant.reference, reference, "€ 456.789,01", "€ 500.166,66",
                "Niet alle kosten komen in aanmerking.")
    progress = report_of(number, ReportKind.PROGRESS)
    assert progress.due_on == date(2015, 7, 1)

    # -- the first payment run, on the first instalment's due date (the plan's start) --------
    first_day = date(2014, 7, 1)
    run = pay_run(world, clock, Ministry.SZW, first_day)
    assert [(p.application_id, p.instalment, p.instalment_count, p.amount_cents)
            for p in run.lines] == [(number, 1, 3, INSTALMENT)]
    assert entries(number)[1:] == [("disburse", None, INSTALMENT, "pay_advance")]
    assert application_balance(number) == Balance(committed=GRANTED, disbursed=INSTALMENT)
    assert line_figures(line).disbursed == paid_on_line + INSTALMENT
    assert fresh(number).state.value == "monitored"
    assert world.applicant.history(number)[-1]["trigger"] == "pay_advance"
    assert transfers(run) == [("121810.40", EMPLOYERS_IBAN, "Metaalwerkgevers",
                               f"{reference} voorschot 1/3")]
    assert decisions_of(number) == [grant]  # an advance is paid on the grant, not a decision

    # -- the second run pays the second instalment; a second run that day pays nothing -------
    second_day = date(2015, 1, 1)
    run = pay_run(world, clock, Ministry.SZW, second_day)
    assert [(p.instalment, p.amount_cents) for p in run.lines] == [(2, INSTALMENT)]
    assert transfers(run) == [("121810.40", EMPLOYERS_IBAN, "Metaalwerkgevers",
                               f"{reference} voorschot 2/3")]
    assert due_payments(Ministry.SZW, second_day, world.finance.user).lines == []
    with pytest.raises(Conflict):
        prepare_run(Ministry.SZW, second_day, world.finance.user, clock())
    db.session.rollback()
    paid = 2 * INSTALMENT
    assert entries(number)[1:] == [("disburse", None, INSTALMENT, "pay_advance")] * 2
    assert application_balance(number) == Balance(committed=GRANTED, disbursed=paid)
    assert fresh(number).state.value == "monitored"

    # -- the progress report is late: one reminder, however often the job runs --------------
    at(clock, date(2015, 7, 8))  # a week after its due date, without a reminder before it
    assert "1 herinneringen geschreven; 0 waren al eerder geschreven." in remind(app)
    assert "0 herinneringen geschreven; 1 waren al eerder geschreven." in remind(app)
    (late,) = report_mails(number)
    assert late.kind is MailKind.REPORT_OVERDUE
    assert late.recipient == world.applicant.user.email and reference in late.subject
    assert "7 dagen te laat" in late.body
    assert monitoring_overview(date(2015, 7, 8)).total_of("sectorplan").reports_overdue == 1

    # -- the applicant sends it, the assessor accepts it ------------------------------------
    clock.advance(days=2)
    ok(world.applicant.fire(number, "submit_report", {
        "report": progress.id, "attachment": pdf_on_file(number, world.applicant.user),
        "note": "Het eerste jaar verliep volgens plan."}))
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.SUBMITTED
    clock.advance(days=5)
    ok(world.assessor.fire(number, "accept_report", {"report": progress.id}))
    assert report_of(number, ReportKind.PROGRESS).status is ReportStatus.ACCEPTED
    assert fresh(number).state.value == "monitored"
    assert monitoring_overview(clock().date()).total_of("sectorplan").reports_overdue == 0
    assert len(report_mails(number)) == 1
    assert application_balance(number) == Balance(committed=GRANTED, disbursed=paid)

    # -- the final claim, lower than the grant; above € 125.000 with the accountant's statement
    clock.moment = datetime(2016, 2, 15, 9, tzinfo=UTC)  # the plan ended 31 December 2015
    without = settlement_request(world.applicant, number, "172345.67", statement=False)
    assert without.status_code == 422
    assert "statement" in without.get_json()["error"]["fields"]
    assert fresh(number).state.value == "monitored"
    ok(settlement_request(world.applicant, number, "172345.67"))
    final = report_of(number, ReportKind.FINAL)
    assert (final.status, final.claimed_cents) == (ReportStatus.SUBMITTED, CLAIMED)
    assert final.statement is not None
    assert fresh(number).state.value == "settlement_requested"
    assert application_balance(number) == Balance(committed=GRANTED, disbursed=paid)

    # -- settled lower than the advances paid: release the rest, recover the overpayment ----
    clock.advance(days=30)
    settled = world.decide_prepared(number, "settle", {
        "amount": "165432.10", "reason": "Een deel van de opgevoerde kosten is niet besteed "
                                         "aan de maatregelen."})
    assert settled["state"] == "settled"
    assert fresh(number).state.value == "settled"
    assert report_of(number, ReportKind.FINAL).status is ReportStatus.ACCEPTED
    to_recover = paid - FINAL
    assert to_recover == 78_188_70  # 2 × 121.810,40 − 165.432,10
    assert entries(number)[3:] == [
        ("recover", None, to_recover, "settle"),
        ("release", "committed", GRANTED - FINAL, "settle")]
    assert application_balance(number) == Balance(committed=FINAL, disbursed=paid,
                                                  recovered=to_recover)
    assert application_balance(number).paid == FINAL
    assert line_figures(line).committed == committed_on_line - (GRANTED - FINAL)
    # The line's paid figure is net of what was recovered.
    assert line_figures(line).disbursed == paid_on_line + FINAL

    grant_again, settlement, recovery = decisions_of(number)
    assert grant_again == grant
    assert (settlement.kind.value, recovery.kind.value) == ("settlement", "recovery")
    assert settlement.amount_cents == FINAL and recovery.amount_cents == to_recover
    letter_says(settlement, settlement.reference, reference,
                "Verleende subsidie € 456.789,01",
                "Al aan u betaald (voorschotten) € 243.620,80",
                "Vastgestelde subsidie € 165.432,10",
                "U moet terugbetalen € 78.188,70", recovery.reference)
    letter_says(recovery, recovery.reference, reference, "€ 78.188,70", "€ 243.620,80",
                "€ 165.432,10", settlement.reference)


def test_an_upheld_objection_raises_a_rejected_rif_application_to_a_grant(world, steps, clock):
    # -- rejected, with the reason ------------------------------------------------------------
    number = rejected_rif(world, clock)  # 20 May 2014: objections until 1 July
    reference = fresh(number).reference
    assert fresh(number).granted_cents is None and entries(number) == []
    assert application_balance(number) == Balance()
    (rejection,) = decisions_of(number)
    assert rejection.kind.value == "rejection"
    letter_says(rejection, rejection.reference, reference,
                "De commissie vindt de aansluiting op de arbeidsmarkt onvoldoende.")
    assert reports_of(number) == []

    # -- the objection, within six weeks of the decision ------------------------------------
    clock.advance(weeks=5)  # 24 June 2014
    ok(world.rif_applicant.fire(number, "lodge_objection", {
        "reason": "De commissie heeft ons actieplan over de arbeidsmarkt niet gelezen."}))
    objection = db.session.scalars(sa.select(Objection).where(
        Objection.application_id == number)).one()
    assert not objection.late and objection.outcome is None
    assert objection.decision_due_on == date(2014, 8, 12)  # six weeks after the term ended
    assert fresh(number).state.value == "rejected" and entries(number) == []

    # -- upheld: the rejection is revoked and replaced by a grant, with its money ------------
    clock.advance(days=14)  # 8 July 2014
    line = fresh(number).window.line_for(None)
    committed_on_line = line_figures(line).committed
    ok(world.assessor.fire(number, "waive_hearing", {
        "ground": "objector_waived", "reason": "De indiener wil niet worden gehoord."}))
    decided = ok(world.approver2.fire(number, "decide_objection", {
        "outcome": "upheld", "reason": "Het actieplan toont de aansluiting wel aan."}))
    assert decided["state"] == "approved" and decided["granted_amount"] == "500000.00"
    application = fresh(number)
    assert (application.state.value, application.granted_cents) == ("approved", 500_000_00)
    assert entries(number) == [("commit", None, 500_000_00, "decide_objection")]
    assert line_of(number).id == line.id
    assert application_balance(number, line.id) == Balance(committed=500_000_00)
    assert line_figures(line).committed == committed_on_line + 500_000_00

    rejection_again, on_objection, grant = decisions_of(number)
    assert rejection_again == rejection
    assert (on_objection.kind.value, grant.kind.value) == ("objection", "grant")
    assert grant.amount_cents == 500_000_00
    objection_letter = letter_says(
        on_objection, on_objection.reference, reference, "gegrond", rejection.reference,
        grant.reference, "€ 500.000,00", "Het actieplan toont de aansluiting wel aan.")
    assert "ongegrond" not in objection_letter
    letter_says(grant, grant.reference, reference, "Wij geven u subsidie", "€ 500.000,00",
                on_objection.reference, "Voortgangsverslag over projectjaar 1")

    # -- the new grant has its reports and its advances ---------------------------------------
    assert [(r.kind, r.due_on, r.status) for r in reports_of(number)] == [
        (ReportKind.PROGRESS, date(2015, 8, 1), ReportStatus.DUE),
        (ReportKind.PROGRESS, date(2016, 8, 1), ReportStatus.DUE),
        (ReportKind.PROGRESS, date(2017, 8, 1), ReportStatus.DUE),
        # 13 weeks after the project's end, 31 December 2017.
        (ReportKind.FINAL, date(2018, 4, 1), ReportStatus.DUE)]
    run = pay_run(world, clock, Ministry.OCW, date(2014, 8, 1))
    assert [(p.application_id, p.instalment, p.amount_cents) for p in run.lines] == [
        (number, 1, 100_000_00)]
    assert transfers(run) == [("100000.00", INSTITUTION_IBAN, "ROC Noord",
                               f"{reference} voorschot 1/4")]
    assert entries(number)[1:] == [("disburse", None, 100_000_00, "pay_advance")]
    assert fresh(number).state.value == "monitored"
