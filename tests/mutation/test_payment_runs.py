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
exists only once approved. Every refusal says why, naming the figure or the field. What changed
while a run waited for a lock is judged under it: an application's IBAN or another run's hold
(prepare), a run cancelled meanwhile (approve). Each payment is checked against what the engine
booked for that application (its own disbursements only), its audit row names the run and the
preparer, and a run whose file the bank already received (a restore forgot it) is refused, as
is preparing for an application such a file paid (grants/payments/export.py).

The sector plan below: € 450.000,00 granted on 10 April 2014, 1 July 2014 – 31 December 2015,
three advances of € 120.000,00 due 1 July 2014, 1 January 2015 and 1 July 2015.

Mutants that cannot change behaviour (read by bench/mutation.py). _pay_round takes the ledger's
highest id before a round, with 0 when the ledger is empty (coalesce); it never is then: every
payable with a trigger needs committed > paid for its application (due_instalments' room,
_settlement's unpaid), so its commit entry exists. A round's disbursements are inserted in the
order they were asked for (one INSERT, ledger.book_deferred) into an append-only table, and
every way SQLite and PostgreSQL can read back the rows after an id (a range of the primary key,
the heap in insertion order) gives them in id order, so each application's first is the same
without ORDER BY. The check constraint ck_payment_runs_sepa_file ((status = 'approved') =
(sepa_xml IS NOT NULL)) leaves no stored run approved without a file or with a file but not
approved, the only runs for which sepa_file's `or` and `and` differ. prepare_run gives the new
run what its model would anyway (status: its column default PREPARED, which SQLAlchemy also
applies for None; sepa_xml and sepa_sha256: NULL; a line's held: its column default True,
likewise, and a bulk INSERT ignores a key no column has), and line_count and total_cents are
set from the planned lines before anyone reads them (when nothing is planned the run is refused
and the caller rolls it back). After inserting the lines prepare_run expires the run's lines;
expiring all of the new run's attributes reloads the same row:

equivalent: grants.payments.runs.x__pay_round__mutmut_5 — coalesce(…, None): the ledger is not empty
equivalent: grants.payments.runs.x__pay_round__mutmut_9 — coalesce(…, 1): the ledger is not empty
equivalent: grants.payments.runs.x__pay_round__mutmut_34 — a round's entries come in id order
equivalent: grants.payments.runs.x_sepa_file__mutmut_1 — status and file agree in every row
equivalent: grants.payments.runs.x_prepare_run__mutmut_39 — status=None: the default applies
equivalent: grants.payments.runs.x_prepare_run__mutmut_52 — status left out: the default applies
equivalent: grants.payments.runs.x_prepare_run__mutmut_61 — sepa_xml left out: NULL all the same
equivalent: grants.payments.runs.x_prepare_run__mutmut_62 — sepa_sha256 left out: NULL as well
equivalent: grants.payments.runs.x_prepare_run__mutmut_66 — line_count=1 is overwritten unread
equivalent: grants.payments.runs.x_prepare_run__mutmut_67 — total_cents=1 is overwritten unread
equivalent: grants.payments.runs.x_prepare_run__mutmut_114 — heldXX: no such column, default True
equivalent: grants.payments.runs.x_prepare_run__mutmut_128 — held=None: the default True applies
equivalent: grants.payments.runs.x_prepare_run__mutmut_142 — held left out: the default is True
equivalent: grants.payments.runs.x_prepare_run__mutmut_159 — expire(run, None): all, same row
equivalent: grants.payments.runs.x_prepare_run__mutmut_161 — expire(run): all of it, same row
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from grants.budget import ledger
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    AuditEvent,
    Bucket,
    EntryKind,
    Ministry,
    Organisation,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Role,
)
from grants.payments import runs
from grants.payments.export import record_sent
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
from tests.payments.conftest import EMPLOYERS_IBAN, Grants, objection_with_costs
from tests.statements import statements_of

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


def test_the_audit_row_of_a_payment_names_the_run_and_whoever_prepared_it(plan, world):
    # Four eyes on the record: the approver fires pay_advance (its actor), on behalf of the run
    # finance prepared.
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    approve_run(run.id, world.approver.user, JANUARY)
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.application_id == plan.id, AuditEvent.trigger == "pay_advance")
        .order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.data["prepared_decision"], event.data["prepared_by"],
             event.data["amount_cents"]) for event in events] == [
        (world.approver.user.id, run.id,
         {"id": world.finance.user.id, "name": world.finance.user.name}, 120_000_00)] * 2


def test_a_booking_that_differs_from_its_line_is_refused_naming_the_application(
        plan, world, monkeypatch):
    # Planned: instalment 1 of € 120.000,00; booked: € 100.000,00. Nothing is paid then.
    fire = runs.fire_triggers

    def short(firings, actor, now, **options):
        return fire([(application_id, trigger, {**data, "amount": "100000.00"})
                     for application_id, trigger, data in firings], actor, now, **options)

    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    monkeypatch.setattr(runs, "fire_triggers", short)
    with pytest.raises(Conflict) as differs:
        approve_run(run.id, world.approver.user, JANUARY)
    assert differs.value.message == (
        f"De boeking van {plan.reference} wijkt af van de betaalrun.")


def test_a_line_is_checked_against_its_own_applications_disbursements_only(
        plan, world, clock, monkeypatch):
    # While instalment 1 (€ 120.000,00) is booked, € 5.000,00 is paid to another grant (another
    # transaction, committed meanwhile) and € 0,01 of this grant's commitment is released: neither
    # is what the line paid, so both lines are paid as planned.
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    db.session.commit()
    other = db.session.get(Application, Grants(world, clock).sector_plan("300000.00"))
    fire, booked = runs.fire_triggers, []

    def with_other_bookings(firings, actor, now, **options):
        [application] = fire(firings, actor, now, **options)
        if not booked:
            booked.append(ledger.post(other.window.line_for(None), EntryKind.DISBURSE,
                                      5_000_00, actor=world.finance.user, now=now,
                                      cause="manual", application=other))
            booked.append(ledger.post(application.window.line_for(None), EntryKind.RELEASE,
                                      1, actor=world.finance.user, now=now, cause="manual",
                                      application=application, bucket=Bucket.COMMITTED))
        return [application]

    monkeypatch.setattr(runs, "fire_triggers", with_other_bookings)
    run = approve_run(run.id, world.approver.user, JANUARY)
    assert (run.status, run.line_count, run.total_cents) == (
        PaymentRunStatus.APPROVED, 2, 240_000_00)
    assert [(line.ledger_entry.kind, line.ledger_entry.application_id,
             line.ledger_entry.amount_cents) for line in run.lines] == [
        (EntryKind.DISBURSE, plan.id, 120_000_00)] * 2
    assert len(booked) == 2


def test_a_run_cancelled_while_waiting_for_its_lock_is_not_approved(plan, world):
    # The session still holds the run as prepared when another transaction cancels it; the
    # approval judges the run as it is under the lock, not as it was read before.
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    db.session.commit()
    assert run.status == PaymentRunStatus.PREPARED
    db.session.execute(sa.update(PaymentRun.__table__).where(PaymentRun.__table__.c.id == run.id)
                       .values(status=PaymentRunStatus.CANCELLED, cancelled_at=JANUARY,
                               cancelled_by_id=world.finance.user.id,
                               cancel_reason="Verkeerde dag."))
    with pytest.raises(Conflict) as cancelled:
        approve_run(run.id, world.approver.user, JANUARY)
    assert cancelled.value.message == f"Betaalrun {run.id} is geannuleerd."


def test_the_preparer_is_told_that_someone_else_approves(plan, world):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    with pytest.raises(Conflict) as own:
        approve_run(run.id, world.finance.user, JANUARY)
    assert own.value.message == ("U hebt deze betaalrun voorbereid; een ander met de rol "
                                 "beslisser moet haar goedkeuren.")
    assert run.status == PaymentRunStatus.PREPARED


def test_a_run_whose_file_already_went_to_the_bank_is_not_approved(plan, world):
    # A restore forgot the approval, the bank did not: the file under the run's message id is
    # recorded as sent, so approving the run again would pay twice.
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    record_sent(run.message_id, b"<Document/>", JANUARY, "na terugzetten back-up")
    with pytest.raises(Conflict) as sent:
        approve_run(run.id, world.approver.user, JANUARY)
    assert sent.value.message == (
        f"SEPA-bestand {run.message_id} ging al naar de bank maar staat na het terugzetten van "
        "een back-up niet als goedgekeurd in de database. Annuleer deze betaalrun en boek die "
        "betalingen eerst met de hand.")
    assert reasons(plan.id, "pay_advance") == []


def test_objection_costs_the_run_itself_holds_are_paid_on_approval(plan, world):
    # An objection lodged on 1 May 2014, upheld on 1 September 2014 with € 1.500,00 costs
    # (Awb 7:15): the run plans them beside both advances; its own hold does not make them
    # "held by a run" when it is approved. Paid by the file alone, without a ledger entry.
    objection = objection_with_costs(plan.id, 1_500_00, datetime(2014, 9, 1, 10, tzinfo=UTC),
                                     datetime(2014, 5, 1, 10, tzinfo=UTC))
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    run = approve_run(run.id, world.approver.user, JANUARY)
    assert (run.line_count, run.total_cents) == (3, 241_500_00)
    costs = [line for line in run.lines if line.kind == PaymentKind.OBJECTION_COSTS]
    assert [(line.objection_id, line.amount_cents, line.held, line.release_reason,
             line.ledger_entry_id, line.remittance) for line in costs] == [
        (objection.id, 1_500_00, True, "", None,
         f"{plan.reference} proceskosten bezwaar van 01-05-2014")]
    assert f"<EndToEndId>{plan.reference}-{run.id}-K{objection.id}<".encode() in run.sepa_xml


def test_objection_costs_do_not_hold_up_the_payments_after_them(plan, world, clock):
    # The first grant's two advances (€ 120.000,00 each) and its objection costs (€ 1.500,00,
    # paid by the file alone), then a second grant of € 300.000,00 with two of € 80.000,00: all
    # five paid, the four advances each booked.
    objection_with_costs(plan.id, 1_500_00, datetime(2014, 9, 1, 10, tzinfo=UTC),
                         datetime(2014, 5, 1, 10, tzinfo=UTC))
    second = Grants(world, clock).sector_plan("300000.00")
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    run = approve_run(run.id, world.approver.user, JANUARY)
    assert (run.line_count, run.total_cents) == (5, 401_500_00)
    assert [(line.application_id, line.kind, line.amount_cents,
             line.ledger_entry.amount_cents if line.ledger_entry else None)
            for line in run.lines] == [
        (plan.id, PaymentKind.ADVANCE, 120_000_00, 120_000_00),
        (plan.id, PaymentKind.ADVANCE, 120_000_00, 120_000_00),
        (plan.id, PaymentKind.OBJECTION_COSTS, 1_500_00, None),
        (second, PaymentKind.ADVANCE, 80_000_00, 80_000_00),
        (second, PaymentKind.ADVANCE, 80_000_00, 80_000_00)]
    assert reasons(second, "pay_advance") == [f"Betaalrun {run.id}: voorschot 1 van 3",
                                              f"Betaalrun {run.id}: voorschot 2 van 3"]


def test_three_instalments_due_at_once_are_each_paid_once(plan, world):
    # On Wednesday 1 July 2015 all three advances of € 120.000,00 are due: three firings of
    # the grant, one after the other, each booking its own € 120.000,00.
    july = datetime(2015, 7, 1, 8, tzinfo=UTC)
    run = prepare_run(Ministry.SZW, date(2015, 7, 1), world.finance.user, july)
    run = approve_run(run.id, world.approver.user, july)
    assert (run.line_count, run.total_cents) == (3, 360_000_00)
    assert reasons(plan.id, "pay_advance") == [
        f"Betaalrun {run.id}: voorschot {number} van 3" for number in (1, 2, 3)]
    assert [line.ledger_entry.amount_cents for line in run.lines] == [120_000_00] * 3
    assert len({line.ledger_entry_id for line in run.lines}) == 3


def test_a_payment_the_engine_did_not_book_is_refused_naming_the_application(
        plan, world, monkeypatch):
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    monkeypatch.setattr(runs, "fire_triggers", lambda *_firing, **_options: [])
    with pytest.raises(Conflict) as unbooked:
        approve_run(run.id, world.approver.user, JANUARY)
    assert unbooked.value.message == (
        f"De boeking van {plan.reference} wijkt af van de betaalrun.")


def test_an_application_a_sent_file_paid_is_left_out_naming_the_file(plan, world):
    # A restore forgot run 7, whose file the bank received with instalment 1 of this grant:
    # until that payment is booked by hand nothing more is planned for it.
    transfer = (f"<CdtTrfTxInf><EndToEndId>{plan.reference}-7-V1</EndToEndId>"
                f"<InstdAmt>120000.00</InstdAmt><IBAN>{EMPLOYERS_IBAN}</IBAN>"
                f"<Ustrd>{plan.reference} voorschot 1/3</Ustrd></CdtTrfTxInf>")
    record_sent("TP-SZW-00000007", f"<Document>{transfer}</Document>".encode(), JANUARY,
                "na terugzetten back-up")
    preview = due_payments(Ministry.SZW, DAY, world.finance.user)
    assert preview.lines == []
    assert [(s.application.id, s.reason) for s in preview.skipped] == [(
        plan.id, "Betaald in SEPA-bestand TP-SZW-00000007, dat de bank kreeg maar dat na het "
                 "terugzetten van een back-up niet in de database staat; boek die betaling eerst "
                 "met de hand.")]


def test_what_changed_while_waiting_for_an_applications_lock_is_judged_under_it(
        plan, world, clock, monkeypatch):
    # Two grants are due; while the run waits for the first one's lock, its organisation's IBAN
    # is removed (another transaction). The first is left out, the second still planned: of
    # € 300.000,00 granted, 80% in three advances is € 80.000,00 for each of its 1 July 2014 and
    # 1 January 2015 instalments (domain.md §1).
    second = db.session.get(Application, Grants(world, clock).sector_plan("300000.00"))
    second.organisation = world.employees
    world.employees.iban = "NL20INGB0001234567"
    db.session.commit()
    lock = runs.locked_applications

    def iban_removed_meanwhile(ids, actor):
        assert sorted(ids) == sorted([plan.id, second.id])
        world.employers.iban = ""
        return lock(ids, actor)

    monkeypatch.setattr(runs, "locked_applications", iban_removed_meanwhile)
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    assert [(line.application_id, line.instalment, line.amount_cents, line.creditor_iban)
            for line in run.lines] == [(second.id, 1, 80_000_00, "NL20INGB0001234567"),
                                       (second.id, 2, 80_000_00, "NL20INGB0001234567")]
    assert (run.line_count, run.total_cents) == (2, 160_000_00)


def test_a_run_prepared_while_waiting_for_the_lock_keeps_what_it_planned(
        plan, world, monkeypatch):
    # While this run waits for the grant's lock, another run plans its two instalments: this
    # run finds nothing left to plan, and says so naming the day.
    lock, other = runs.locked_applications, []

    def prepared_meanwhile(ids, actor):
        if not other:
            other.append(None)  # the other run's own wait for the lock is uneventful
            other[0] = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
        return lock(ids, actor)

    monkeypatch.setattr(runs, "locked_applications", prepared_meanwhile)
    with pytest.raises(Conflict) as nothing:
        prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    assert nothing.value.message == "Er is op 1 januari 2015 niets (meer) te betalen."
    assert [(line.instalment, line.held) for line in other[0].lines] == [(1, True), (2, True)]


def test_a_grant_owed_nothing_does_not_end_the_preview(plan, world, clock):
    # The first grant's two instalments due by 1 January 2015 are paid; a second grant of
    # € 300.000,00, after it by reference, still has its own two (80% in three advances:
    # € 80.000,00 each).
    run = prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)
    assert approve_run(run.id, world.approver.user, JANUARY).total_cents == 240_000_00
    second = Grants(world, clock).sector_plan("300000.00")
    preview = due_payments(Ministry.SZW, DAY, world.finance.user)
    assert [(line.application.id, line.instalment.number, line.amount_cents)
            for line in preview.lines] == [(second, 1, 80_000_00), (second, 2, 80_000_00)]
    assert preview.skipped == []


def test_a_run_prepared_late_plans_its_file_for_the_preparing_day(plan, world):
    # What fell due on 1 July 2014, prepared on Friday 2 January 2015: the bank is asked to pay
    # on that Friday (a TARGET2 business day), not on the long past due day.
    run = prepare_run(Ministry.SZW, date(2014, 7, 1), world.finance.user, JANUARY)
    assert [(line.instalment, line.due_on) for line in run.lines] == [(1, date(2014, 7, 1))]
    assert (run.due_on, run.execution_on) == (date(2014, 7, 1), date(2015, 1, 2))


def test_a_preview_reads_its_candidates_in_the_same_statements_however_many_there_are(
        plan, world, clock):
    """A national run's preview weighs thousands of grants (issue 16): their balances,
    advances, waiting runs and organisations are read for all of them at once."""
    def statements_of_a_preview() -> tuple[int, list[tuple[int, int]]]:
        db.session.expire_all()
        seen, preview = statements_of(
            lambda: due_payments(Ministry.SZW, DAY, world.finance.user, DAY))
        return len(seen), [(line.application.id, line.amount_cents) for line in preview.lines]

    few, lines = statements_of_a_preview()
    assert lines == [(plan.id, 120_000_00), (plan.id, 120_000_00)]
    prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY)  # the first waits in a run
    others = [Grants(world, clock).sector_plan("300000.00") for _ in range(3)]
    many, lines = statements_of_a_preview()
    assert many == few
    # 80 % of € 300.000,00 in three instalments; two of them due by 1 January 2015.
    assert sorted(lines) == sorted((number, 80_000_00) for number in others for _ in range(2))
    skipped = due_payments(Ministry.SZW, DAY, world.finance.user, DAY).skipped
    assert [(s.application.id, s.reason.startswith("Staat al in betaalrun")) for s in skipped] \
        == [(plan.id, True)]


def test_a_run_is_prepared_and_approved_in_statements_that_do_not_grow_per_grant(
        plan, world, clock):
    """A national run pays thousands of grants (issue 16): preparing locks them and reads what
    they are owed all at once; approving pays them through the engine together, their
    balances read once: beyond that, at most two statements per payment (its audit row, and
    on SQLite the odd application's state written on its own). Before, some fifteen each."""
    def prepared_and_approved() -> tuple[int, int, PaymentRun]:
        db.session.expire_all()
        prepared, run = statements_of(
            lambda: prepare_run(Ministry.SZW, DAY, world.finance.user, JANUARY))
        db.session.expire_all()
        approved, run = statements_of(lambda: approve_run(run.id, world.approver.user, JANUARY))
        return len(prepared), len(approved), run

    one_prepared, one_approved, run = prepared_and_approved()
    assert (run.line_count, run.total_cents) == (2, 240_000_00)
    db.session.rollback()
    others = [Grants(world, clock).sector_plan("300000.00") for _ in range(3)]
    many_prepared, many_approved, run = prepared_and_approved()
    # 80 % of € 300.000,00 in three instalments, two due by 1 January 2015, for each of the
    # three; two of € 120.000,00 for the first grant.
    assert [(line.application_id, line.amount_cents) for line in run.lines] == [
        (number, amount) for number, amount in
        [(plan.id, 120_000_00)] * 2 + [(number, 80_000_00) for number in others
                                        for _ in range(2)]]
    assert (run.line_count, run.total_cents) == (8, 720_000_00)
    assert all(line.ledger_entry.amount_cents == line.amount_cents for line in run.lines)
    assert many_prepared == one_prepared
    assert many_approved <= one_approved + 2 * (8 - 2)
