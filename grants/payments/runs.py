"""Payment runs, four eyes: previewed, prepared by finance, approved by someone else, paid.

A preview only reads. Preparing stores the run and its lines as planned: nothing is booked and
there is no SEPA file yet, but the lines hold their payables so no other run plans them. A
different user with the approver role approves it: then, in the caller's one transaction, each
application is locked and what it is owed computed again; a planned line that still matches it
exactly is paid (``pay_advance`` or ``pay`` fired through the engine by the approver, a
``disburse`` entry each; objection costs paid without one), the rest is released with the
reason, and the SEPA file is made. Cancelling a prepared run releases its lines.

A national run pays thousands of grants in one request, so both steps work on all of them at
once (issue 16): the applications locked in one ordered pass (``locked_applications``), what
they are owed read for all of them (``KnownPayables``), and, on approval, the payments fired
together (``fire_triggers``, one workflow a scheme) with the balances read once
(``ledger.balances_known``) and booked per budget line by their total.

Nothing is paid twice, even by runs racing each other: an application waits in at most one
prepared run (checked under its lock), a run is approved or cancelled once (under the run's
lock), and no two held lines can bring an application's payments of a kind to the same total
(a unique constraint).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from grants.access import require_role
from grants.budget.ledger import balances_known
from grants.errors import Conflict, Forbidden, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    EntryKind,
    LedgerEntry,
    Ministry,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Role,
    User,
)
from grants.money import cents_to_api
from grants.payments import sepa
from grants.payments.export import paid_outside_records, refuse_sent_run
from grants.payments.payables import (
    KnownPayables,
    Payable,
    candidates,
    creditor_iban,
    iban_problem,
    line_key,
    owed_ids,
    payables_of,
)
from grants.payments.target2 import closed_because, execution_day
from grants.services.applications import fire_triggers, locked_applications
from grants.timefmt import AMSTERDAM, format_day
from grants.workflows.engine import Approval

PAYMENT_VIEWERS = (Role.FINANCE, Role.APPROVER)


@dataclass(frozen=True)
class Skipped:
    application: Application
    reason: str


@dataclass(frozen=True)
class DuePayments:
    ministry: Ministry
    due_on: date
    lines: list[Payable]
    skipped: list[Skipped]
    # The day the file would be made, and the TARGET2 business day it asks the bank to pay on.
    requested_on: date
    execution_on: date

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def moved_because(self) -> str | None:
        """Why the execution date is not the requested day (a msgid), if it is not."""
        return closed_because(self.requested_on)


def _today(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def due_payments(ministry: Ministry, due_on: date, actor: User,
                 today: date | None = None) -> DuePayments:
    """What a run on ``due_on`` would pay, and whom it would leave out and why. Reads only."""
    require_role(actor, Role.FINANCE)
    requested = today or due_on
    lines, skipped = [], []
    known, paid_outside = KnownPayables(owed_ids(ministry)), paid_outside_records()
    for application in candidates(ministry):
        due = payables_of(application, due_on, known=known.of(application.id))
        if not due:
            continue
        waiting = known.waiting.get(application.id)
        problem = paid_outside.get(application.reference) or iban_problem(application)
        if waiting is not None:
            skipped.append(Skipped(application, _(
                "Staat al in betaalrun %(number)s, die op goedkeuring wacht.",
                number=waiting.id)))
        elif problem:
            skipped.append(Skipped(application, problem))
        else:
            lines.extend(due)
    return DuePayments(ministry, due_on, lines, skipped, requested, execution_day(requested))


def prepare_run(ministry: Ministry, due_on: date, actor: User, now: datetime) -> PaymentRun:
    """Plan every payment due on ``due_on`` for a second person to approve; books nothing.

    Refuses (nothing changed) when nothing is due."""
    require_role(actor, Role.FINANCE)
    today = _today(now)
    if due_on > today:
        raise ValidationFailed(_("Betalen kan alleen wat al vervallen is."), {"due_on": [
            _("Kies vandaag (%(today)s) of een eerdere datum.", today=format_day(today))]})
    preview = due_payments(ministry, due_on, actor, today)
    debtor = sepa.debtor_for(ministry)
    run = PaymentRun(
        ministry=ministry, status=PaymentRunStatus.PREPARED, due_on=due_on,
        execution_on=preview.execution_on, debtor_name=debtor.name, debtor_iban=debtor.iban,
        debtor_bic=debtor.bic, message_id=f"pending-{now.timestamp()}", line_count=0,
        total_cents=0, sepa_xml=None, sepa_sha256=None,
        skipped=[{"application": s.application.id, "reference": s.application.reference,
                  "reason": s.reason} for s in preview.skipped],
        prepared_at=now, prepared_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    run.message_id = f"TP-{ministry.value}-{run.id:08d}"

    ids = list(dict.fromkeys(line.application.id for line in preview.lines))
    applications = locked_applications(ids, actor)
    # Under the locks, read again: a run prepared meanwhile holds what it planned, and an IBAN
    # may have gone.
    known = KnownPayables(owed_ids(ministry))
    planned, lines = [], []
    for application_id in ids:
        application = applications[application_id]
        if application_id in known.waiting or iban_problem(application):
            continue
        for payable in payables_of(application, due_on, known=known.of(application_id)):
            lines.append(dict(
                run_id=run.id, application_id=application.id, kind=payable.kind,
                objection_id=payable.objection.id if payable.objection else None,
                instalment=payable.instalment.number if payable.instalment else None,
                instalment_count=payable.instalment.count if payable.instalment else None,
                due_on=payable.due_on, amount_cents=payable.amount_cents,
                paid_through_cents=payable.paid_through_cents,
                creditor_name=application.organisation.name,
                creditor_iban=creditor_iban(application), remittance=payable.remittance,
                end_to_end_id=payable.end_to_end_id(run.id), held=True))
            planned.append(payable)
    if lines:
        db.session.execute(sa.insert(PaymentLine), lines)  # one statement for them all
        db.session.expire(run, ["lines"])
    if not planned:
        raise Conflict(_("Er is op %(day)s niets (meer) te betalen.", day=format_day(due_on)))
    run.line_count = len(planned)
    run.total_cents = sum(payable.amount_cents for payable in planned)
    db.session.flush()
    return run


def _locked_run(run_id: int) -> PaymentRun:
    run = db.session.scalars(
        sa.select(PaymentRun).where(PaymentRun.id == run_id).with_for_update()
        .execution_options(populate_existing=True)).one_or_none()
    if run is None:
        raise NotFound()
    return run


def _still_prepared(run: PaymentRun) -> None:
    if run.status == PaymentRunStatus.APPROVED:
        raise Conflict(_("Betaalrun %(number)s is al goedgekeurd.", number=run.id))
    if run.status == PaymentRunStatus.CANCELLED:
        raise Conflict(_("Betaalrun %(number)s is geannuleerd.", number=run.id))


def _release_reason(line: PaymentLine, application: Application,
                    current: dict[tuple, Payable]) -> str | None:
    """Why a planned line may no longer be paid as it was approved, or None when it may."""
    if line_key(line) not in current:
        if any(payable.kind == line.kind for payable in current.values()):
            return _("Het bedrag is gewijzigd sinds de voorbereiding; het komt in een volgende "
                     "betaalrun.")
        return _("Niet meer te betalen: de aanvraag is nu %(state)s.",
                 state=_(application.state_label).lower())
    if creditor_iban(application) != line.creditor_iban:
        return _("Het IBAN is gewijzigd sinds de voorbereiding; het komt in een volgende "
                 "betaalrun.")
    return iban_problem(application)


def _pay_all(payments: list[tuple[PaymentLine, Payable]], run: PaymentRun, actor: User,
             now: datetime) -> None:
    """Pay the lines with a trigger through the engine, in the order given, and check each
    against what it booked; objection costs have no trigger: the held line is all."""
    rounds: list[list[tuple[PaymentLine, Payable]]] = []
    fired: Counter[int] = Counter()
    for line, payable in payments:
        if payable.trigger is None:
            continue
        # An application's second payment (two instalments due) is its own firing, after its
        # first: each round fires at most one per application.
        if fired[line.application_id] == len(rounds):
            rounds.append([])
        rounds[fired[line.application_id]].append((line, payable))
        fired[line.application_id] += 1
    approval = Approval(run.id, run.prepared_by)
    # Locked by approve_run: their balances are read once, not in every guard and effect.
    with balances_known(sa.select(PaymentLine.application_id).where(
            PaymentLine.run_id == run.id)):
        for paying in rounds:
            _pay_round(paying, run, actor, now, approval)
    db.session.flush()  # a line is fixed once its run is approved: written before that


def _pay_round(paying: list[tuple[PaymentLine, Payable]], run: PaymentRun, actor: User,
               now: datetime, approval: Approval) -> None:
    before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(LedgerEntry.id), 0)))
    firings = []
    for line, payable in paying:
        data = {"reason": _run_reason(run, line)}
        if line.kind == PaymentKind.ADVANCE:
            data["amount"] = cents_to_api(line.amount_cents)
        firings.append((line.application_id, payable.trigger, data))
    _fire_payments(firings, actor, now, approval)
    booked: dict[int, list[LedgerEntry]] = {}
    # Every entry after ``before`` of these applications is this round's: they are locked.
    for entry in db.session.scalars(sa.select(LedgerEntry).where(
            LedgerEntry.id > before, LedgerEntry.kind == EntryKind.DISBURSE)
            .order_by(LedgerEntry.id)):
        booked.setdefault(entry.application_id, []).append(entry)
    for line, _payable in paying:
        entries = booked.get(line.application_id, [])
        if sum(entry.amount_cents for entry in entries) != line.amount_cents:
            raise Conflict(_("De boeking van %(reference)s wijkt af van de betaalrun.",
                             reference=line.application.reference))
        line.ledger_entry_id = entries[0].id


def _fire_payments(firings: list[tuple[int, str, dict]], actor: User, now: datetime,
                   approval: Approval) -> None:
    """Fire the payments (one per application), written together per scheme."""
    # The applications are locked, so in the session: looking them up reads nothing.
    schemes = {application_id: db.session.get(Application, application_id).scheme_id
               for application_id, _trigger, _data in firings}
    for scheme_id in dict.fromkeys(schemes.values()):
        fire_triggers([firing for firing in firings if schemes[firing[0]] == scheme_id], actor,
                      now, approval=approval)


def _run_reason(run: PaymentRun, line: PaymentLine) -> str:
    # Audit text, Dutch like every audit reason.
    if line.kind == PaymentKind.ADVANCE:
        return f"Betaalrun {run.id}: voorschot {line.instalment} van {line.instalment_count}"
    if line.kind == PaymentKind.SETTLEMENT:
        return f"Betaalrun {run.id}: vaststelling"
    return f"Betaalrun {run.id}: saldo na vaststelling"


def approve_run(run_id: int, actor: User, now: datetime) -> PaymentRun:
    """The second pair of eyes: pay what the run planned and is still owed, make the file."""
    require_role(actor, *PAYMENT_VIEWERS)
    run = _locked_run(run_id)
    _still_prepared(run)
    # The preparer hears why, whatever their roles (409); anyone else needs the approver role.
    if run.prepared_by_id == actor.id:
        raise Conflict(_("U hebt deze betaalrun voorbereid; een ander met de rol beslisser "
                         "moet haar goedkeuren."))
    require_role(actor, Role.APPROVER)
    refuse_sent_run(run)
    held = [line for line in run.lines if line.held]
    applications = locked_applications([line.application_id for line in held], actor)
    # Under the locks: what each application is owed now, the run's own lines aside.
    known = KnownPayables(sa.select(PaymentLine.application_id).where(
        PaymentLine.run_id == run.id))
    lines_of: dict[int, list[PaymentLine]] = {}
    for line in held:
        lines_of.setdefault(line.application_id, []).append(line)
    payments = []
    for application_id, lines in lines_of.items():
        application = applications[application_id]
        current = {payable.key(): payable for payable in payables_of(
            application, run.due_on, except_run=run.id, known=known.of(application_id))}
        for line in lines:
            reason = _release_reason(line, application, current)
            if reason:
                line.held, line.release_reason = None, reason
                continue
            payments.append((line, current[line_key(line)]))
    if not payments:
        raise Conflict(_("Niets van betaalrun %(number)s is nog te betalen; annuleer haar.",
                         number=run.id))
    _pay_all(payments, run, actor, now)
    paid = [line for line, _payable in payments]

    run.status = PaymentRunStatus.APPROVED
    run.approved_at, run.approved_by_id = now, actor.id
    run.execution_on = execution_day(_today(now))
    run.line_count = len(paid)
    run.total_cents = sum(line.amount_cents for line in paid)
    run.sepa_xml = sepa.credit_transfer(
        sepa.Debtor(run.debtor_name, run.debtor_iban, run.debtor_bic),
        [sepa.Transfer(line.end_to_end_id, line.creditor_name, line.creditor_iban,
                       line.amount_cents, line.remittance) for line in paid],
        message_id=run.message_id, created_at=now, execution_on=run.execution_on)
    run.sepa_sha256 = sepa.sha256(run.sepa_xml)
    db.session.flush()
    return run


def cancel_run(run_id: int, actor: User, now: datetime, reason: str) -> PaymentRun:
    """The preparer or an approver withdraws a prepared run; its payables are free again."""
    require_role(actor, *PAYMENT_VIEWERS)
    run = _locked_run(run_id)
    if run.prepared_by_id != actor.id and not actor.has_role(Role.APPROVER):
        raise Forbidden(_("Alleen wie de betaalrun voorbereidde of een beslisser kan haar "
                          "annuleren."))
    _still_prepared(run)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Geef de reden van de annulering."), {"reason": [
            _("Geef de reden van de annulering.")]})
    run.status = PaymentRunStatus.CANCELLED
    run.cancelled_at, run.cancelled_by_id, run.cancel_reason = now, actor.id, reason
    for line in run.lines:
        line.held = None
    db.session.flush()
    return run


def get_run(run_id: int, actor: User) -> PaymentRun:
    require_role(actor, *PAYMENT_VIEWERS)
    run = db.session.get(PaymentRun, run_id)
    if run is None:
        raise NotFound()
    return run


def sepa_file(run: PaymentRun) -> bytes:
    """The file handed to the bank; there is none before a second person approved the run."""
    if run.status != PaymentRunStatus.APPROVED or run.sepa_xml is None:
        raise Conflict(_("Het SEPA-bestand komt er pas als de betaalrun is goedgekeurd."))
    return run.sepa_xml


def list_runs(actor: User) -> list[PaymentRun]:
    require_role(actor, *PAYMENT_VIEWERS)
    return list(db.session.scalars(sa.select(PaymentRun).order_by(PaymentRun.id.desc())))
