"""Payment runs, four eyes (grants/payments/runs.py), rule by rule, with figures worked out by hand
(issue 19; bench/mutation.py --module grants/payments/runs.py).

Rules (shared/domain.md §4 "Four eyes: payment runs are prepared by one person and approved by
another", "Payments: SEPA credit transfers execute on TARGET2 business days"; §6 "Money"): only
finance previews and prepares, and only what has fallen due by today in Amsterdam; preparing
stores every line as planned (payee, IBAN, amount, remittance, end-to-end id) under the run's
message id TP-<ministry>-<run id in 8 digits>, from the ministry's own account, books nothing
and makes no file; an application left out is stored with its reason. Someone else with the
approver role approves: each line still owed exactly as planned is paid through the engine
with an audit reason naming the run and what it pays, the others are released with the reason;
the file asks for the next TARGET2 business day from the approval day. The preparer or an
approver cancels a prepared run, with a reason. A run is approved or cancelled once; its file
exists only once approved. Every refusal says why, naming the figure or the field.

The sector plan below: € 450.000,00 granted on 10 April 2014, 1 July 2014 – 31 December 2015,
three advances of € 120.000,00 due 1 July 2014, 1 January 2015 and 1 July 2015.

Equivalent mutants: none known.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Ministry,
    Organisation,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Role,
)
from grants.payments.runs import (
    approve_run,
    cancel_run,
    due_payments,
    get_run,
    list_runs,
    prepare_run,
    sepa_file,
)
from tests.factories import UserFactory
from tests.payments.conftest import EMPLOYERS_IBAN, Grants

# 9:00 in Amsterdam on Friday 2 January 2015.
JANUARY = datetime(2015, 1, 2, 8, tzinfo=UTC)
DAY = date(2015, 1, 1)


@pytest.fixture
def plan(world, clock) -> Application:
    world.employers.iban = EMPLOYERS_IBAN
    db.session.commit()
    return db.session.get(Application, Grants(world, clock).sector_plan())


def reasons(number: int, trigger: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.reason).where(
        AuditEvent.application_id == number, AuditEvent.trigger == trigger)
        .order_by(AuditEvent.id)))


def test_a_prepared_run_stores_every_line_as_planned_and_books_nothing(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    assert (run.ministry, run.status, run.due_on, run.execution_on) == (
        Ministry.SZW, PaymentRunStatus.PREPARED, DAY, date(2015, 1, 2))
    assert (run.debtor_name, run.debtor_iban, run.debtor_bic) == (
        "Ministerie van SZW", "NL43INGB0000000701", "INGBNL2A")
    assert run.message_id == f"TP-SZW-{run.id:08d}"
    assert (run.prepared_at, run.prepared_by_id) == (JANUARY, world.finance.user.id)
    assert (run.line_count, run.total_cents, run.sepa_xml, run.sepa_sha256, run.skipped) == (
        2, 240_000_00, None, None, [])
    assert [(line.application_id, line.kind, line.instalment, line.instalment_count,
             line.objection_id, line.due_on, line.amount_cents, line.paid_through_cents,
             line.creditor_name, line.creditor_iban, line.remittance, line.end_to_end_id,
             line.held, line.ledger_entry_id) for line in run.lines] == [
        (plan.id, PaymentKind.ADVANCE, 1, 3, None, date(2014, 7, 1), 120_000_00, 120_000_00,
         "Metaalwerkgevers", EMPLOYERS_IBAN, f"{plan.reference} voorschot 1/3",
         f"{plan.reference}-{run.id}-V1", True, None),
        (plan.id, PaymentKind.ADVANCE, 2, 3, None, date(2015, 1, 1), 120_000_00, 240_000_00,
         "Metaalwerkgevers", EMPLOYERS_IBAN, f"{plan.reference} voorschot 2/3",
         f"{plan.reference}-{run.id}-V2", True, None)]


def test_the_left_out_are_stored_with_their_reason(plan, world, clock):
    other = Grants(world, clock).sector_plan("300000.00")
    application = db.session.get(Application, other)
    application.organisation = world.employees
    world.employees.iban = ""
    db.session.commit()
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    assert run.skipped == [{
        "application": other, "reference": application.reference,
        "reason": "Geen IBAN bekend van Metaalbond; vul het aan voordat er betaald wordt."}]
    assert {line.application_id for line in run.lines} == {plan.id}


def test_today_is_the_day_in_amsterdam(plan, world):
    # 22:30 UTC on 30 June 2014 is 00:30 on 1 July in Amsterdam: the first instalment, due that
    # day, may be paid; one day later may not, and the refusal names today and the field.
    moment = datetime(2014, 6, 30, 22, 30, tzinfo=UTC)
    preview = due_payments(Ministry.SZW, date(2014, 7, 1), world.finance.user)
    assert preview.total_cents == 120_000_00
    with pytest.raises(ValidationFailed) as refused:
        prepare_run(Ministry.SZW, date(2014, 7, 2), world.finance.user, moment)
    assert refused.value.message == "Betalen kan alleen wat al vervallen is."
    assert refused.value.fields == {
        "due_on": ["Kies vandaag (1 juli 2014) of een eerdere datum."]}
    run = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, moment)
    assert [(line.instalment, line.amount_cents) for line in run.lines] == [(1, 120_000_00)]
    # Tuesday 1 July 2014 is a TARGET2 business day.
    assert run.execution_on == date(2014, 7, 1)


def test_nothing_due_is_refused_naming_the_day(plan, world):
    with pytest.raises(Conflict) as nothing:
        prepare_run(Ministry.SZW, date(2014, 6, 30), world.finance.user, JANUARY)
    assert nothing.value.message == "Er is op 30 juni 2014 niets (meer) te betalen."
    db.session.rollback()  # the caller's transaction: the refused run goes with it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentRun)) == 0


def test_the_preview_asks_for_today_or_the_due_day_and_says_why_it_moves(plan, world):
    # Asked on Saturday 27 December 2014 for what fell due on 1 July: Monday 29 December.
    preview = due_payments(Ministry.SZW, date(2014, 7, 1), world.finance.user,
                           date(2014, 12, 27))
    assert (preview.requested_on, preview.execution_on, preview.moved_because) == (
        date(2014, 12, 27), date(2014, 12, 29), "zaterdag")
    assert (preview.ministry, preview.due_on) == (Ministry.SZW, date(2014, 7, 1))
    # Without today the due day itself is asked for: Thursday 1 January 2015, New Year's Day.
    preview = due_payments(Ministry.SZW, DAY, world.finance.user)
    assert (preview.requested_on, preview.execution_on, preview.moved_because) == (
        DAY, date(2015, 1, 2), "Nieuwjaarsdag")
    assert [line.amount_cents for line in preview.lines] == [120_000_00, 120_000_00]
    assert preview.total_cents == 240_000_00
    assert due_payments(Ministry.SZW, date(2014, 7, 2), world.finance.user,
                        date(2014, 7, 2)).moved_because is None


def test_the_approver_pays_with_a_reason_naming_the_run_and_the_instalment(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    approved_at = datetime(2015, 1, 3, 9, tzinfo=UTC)  # a Saturday: the bank pays on Monday
    run = approve_run(run.id, world.approver.user, approved_at)
    assert (run.status, run.approved_at, run.approved_by_id, run.execution_on) == (
        PaymentRunStatus.APPROVED, approved_at, world.approver.user.id, date(2015, 1, 5))
    assert (run.line_count, run.total_cents) == (2, 240_000_00)
    assert reasons(plan.id, "pay_advance") == [f"Betaalrun {run.id}: voorschot 1 van 3",
                                               f"Betaalrun {run.id}: voorschot 2 van 3"]
    assert [line.ledger_entry.amount_cents for line in run.lines] == [120_000_00, 120_000_00]
    assert len({line.ledger_entry_id for line in run.lines}) == 2
    assert sepa_file(run) == run.sepa_xml and b"<ReqdExctnDt>2015-01-05<" in run.sepa_xml


def test_a_balance_is_paid_with_its_own_reason(plan, world, clock):
    # Settled (by hand here) on 1 March 2016 without any advance paid: the whole € 450.000,00
    # committed is the balance.
    plan.state = ApplicationState.SETTLED
    plan.decided_at = datetime(2016, 3, 1, 9, tzinfo=UTC)
    db.session.commit()
    now = datetime(2016, 3, 1, 10, tzinfo=UTC)
    run = prepare_run(Ministry.SZW, date(2016, 3, 1), world.finance.user, now)
    run = approve_run(run.id, world.approver.user, now)
    assert [(line.kind, line.amount_cents) for line in run.lines] == [
        (PaymentKind.BALANCE, 450_000_00)]
    assert reasons(plan.id, "pay") == [f"Betaalrun {run.id}: saldo na vaststelling"]
    assert run.lines[0].ledger_entry.amount_cents == 450_000_00


def test_a_line_no_longer_owed_is_released_naming_the_state(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    db.session.commit()
    plan.state = ApplicationState.WITHDRAWN
    db.session.commit()
    with pytest.raises(Conflict) as nothing:
        approve_run(run.id, world.approver.user, JANUARY)
    assert nothing.value.message == (
        f"Niets van betaalrun {run.id} is nog te betalen; annuleer haar.")
    assert [(line.held, line.release_reason) for line in run.lines] == [
        (None, "Niet meer te betalen: de aanvraag is nu ingetrokken.")] * 2


def test_a_line_whose_iban_went_is_released_with_that_reason(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    db.session.commit()
    world.employers.iban = "NL20INGB0001234567"
    db.session.commit()
    with pytest.raises(Conflict):
        approve_run(run.id, world.approver.user, JANUARY)
    assert {line.release_reason for line in run.lines} == {
        "Het IBAN is gewijzigd sinds de voorbereiding; het komt in een volgende betaalrun."}
    db.session.rollback()
    # An IBAN stored before it was checked (a wrong check digit; written past the model's
    # validation), planned as it was, tells that it is invalid instead.
    db.session.execute(sa.update(Organisation).where(Organisation.id == world.employers.id)
                       .values(iban="NL91ABNA0417164301"))
    db.session.execute(sa.update(PaymentLine).where(PaymentLine.run_id == run.id)
                       .values(creditor_iban="NL91ABNA0417164301"))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(Conflict):
        approve_run(run.id, world.approver.user, JANUARY)
    assert {line.release_reason for line in run.lines} == {
        "Het IBAN van Metaalwerkgevers (NL91ABNA0417164301) is ongeldig."}


def test_a_run_is_approved_or_cancelled_once_and_says_which(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    db.session.commit()
    with pytest.raises(Conflict) as no_file:
        sepa_file(run)
    assert no_file.value.message == (
        "Het SEPA-bestand komt er pas als de betaalrun is goedgekeurd.")
    with pytest.raises(Forbidden) as stranger:
        cancel_run(run.id, UserFactory(role=Role.FINANCE), JANUARY, "Verkeerde dag.")
    assert stranger.value.message == (
        "Alleen wie de betaalrun voorbereidde of een beslisser kan haar annuleren.")
    with pytest.raises(ValidationFailed) as no_reason:
        cancel_run(run.id, world.finance.user, JANUARY, " \n")
    assert (no_reason.value.message, no_reason.value.fields) == (
        "Geef de reden van de annulering.", {"reason": ["Geef de reden van de annulering."]})
    with pytest.raises(ValidationFailed):
        cancel_run(run.id, world.finance.user, JANUARY, None)
    # The preparer, without the approver role, withdraws their own run.
    cancelled = cancel_run(run.id, world.finance.user, JANUARY, "  Verkeerde dag.  ")
    assert (cancelled.status, cancelled.cancelled_at, cancelled.cancelled_by_id,
            cancelled.cancel_reason) == (PaymentRunStatus.CANCELLED, JANUARY,
                                         world.finance.user.id, "Verkeerde dag.")
    assert [line.held for line in cancelled.lines] == [None, None]
    db.session.commit()
    for act in (lambda: approve_run(run.id, world.approver.user, JANUARY),
                lambda: cancel_run(run.id, world.approver.user, JANUARY, "Nog eens.")):
        with pytest.raises(Conflict) as again:
            act()
        assert again.value.message == f"Betaalrun {run.id} is geannuleerd."
    with pytest.raises(Conflict) as no_file:
        sepa_file(cancelled)


def test_an_approved_run_cannot_be_cancelled(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    approve_run(run.id, world.approver.user, JANUARY)
    db.session.commit()
    with pytest.raises(Conflict) as late:
        cancel_run(run.id, world.approver.user, JANUARY, "Te laat.")
    assert late.value.message == f"Betaalrun {run.id} is al goedgekeurd."


def test_runs_are_seen_by_finance_and_approvers_newest_first(plan, world):
    first = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    cancel_run(first.id, world.finance.user, JANUARY, "Verkeerde dag.")
    second = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    for who in (world.finance, world.approver):
        assert [run.id for run in list_runs(who.user)] == [second.id, first.id]
        assert get_run(first.id, who.user) is first
    for who in (world.assessor, world.applicant):
        with pytest.raises(Forbidden):
            list_runs(who.user)
        with pytest.raises(Forbidden):
            get_run(first.id, who.user)
        with pytest.raises(Forbidden):
            approve_run(second.id, who.user, JANUARY)
        with pytest.raises(Forbidden):
            cancel_run(second.id, who.user, JANUARY, "Niet van mij.")
    missing = second.id + 1
    with pytest.raises(NotFound):
        get_run(missing, world.finance.user)
    with pytest.raises(NotFound):
        approve_run(missing, world.approver.user, JANUARY)
    with pytest.raises(NotFound):
        cancel_run(missing, world.approver.user, JANUARY, "Bestaat niet.")
