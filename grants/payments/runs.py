"""Payment runs: the advance instalments due on a day, previewed, then paid in one transaction.

A preview only reads. Committing fires ``pay_advance`` through the workflow engine for every
instalment (a ``disburse`` ledger entry each, and approved → monitored), stores the run and its
lines and the SEPA file, all in the caller's one transaction: a run happens completely or not at
all. Each application is locked and its instalments computed again under the lock, and no two
lines of an application can bring its advances to the same total (a unique constraint), so two
runs racing for the same day cannot pay anything twice.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from stdnum import iban as stdnum_iban

from grants.access import require_role
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    EntryKind,
    LedgerEntry,
    Ministry,
    PaymentLine,
    PaymentRun,
    Role,
    Scheme,
    User,
)
from grants.money import cents_to_api
from grants.payments import sepa
from grants.payments.schedule import (
    ADVANCE_TRIGGER,
    DueInstalment,
    advances_paid,
    due_instalments,
)
from grants.services.applications import fire_trigger, locked_application
from grants.timefmt import AMSTERDAM, format_day

PAYABLE_STATES = (ApplicationState.APPROVED, ApplicationState.MONITORED)


@dataclass(frozen=True)
class DueLine:
    application: Application
    due: DueInstalment

    @property
    def amount_cents(self) -> int:
        return self.due.amount_cents

    @property
    def remittance(self) -> str:
        """What the applicant's bank statement shows: the reference and which instalment."""
        instalment = self.due.instalment
        return f"{self.application.reference} voorschot {instalment.number}/{instalment.count}"

    @property
    def end_to_end_id(self) -> str:
        return f"{self.application.reference}-V{self.due.instalment.number}"


@dataclass(frozen=True)
class Skipped:
    application: Application
    reason: str


@dataclass(frozen=True)
class DuePayments:
    ministry: Ministry
    due_on: date
    lines: list[DueLine]
    skipped: list[Skipped]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def _iban_problem(application: Application) -> str | None:
    account = application.organisation.iban
    if not account:
        return _("Geen IBAN bekend van %(organisation)s; vul het aan voordat er betaald wordt.",
                 organisation=application.organisation.name)
    if not stdnum_iban.is_valid(account) or not account.startswith("NL"):
        return _("Het IBAN van %(organisation)s (%(iban)s) is ongeldig.",
                 organisation=application.organisation.name, iban=account)
    return None


def _payable(ministry: Ministry) -> list[Application]:
    return list(db.session.scalars(
        sa.select(Application).join(Application.scheme)
        .where(Scheme.ministry == ministry, Application.state.in_(PAYABLE_STATES))
        .order_by(Application.reference)))


def due_payments(ministry: Ministry, due_on: date, actor: User) -> DuePayments:
    """What a run on ``due_on`` would pay, and whom it would leave out and why. Reads only."""
    require_role(actor, Role.FINANCE)
    lines, skipped = [], []
    for application in _payable(ministry):
        due = due_instalments(application, due_on)
        if not due:
            continue
        problem = _iban_problem(application)
        if problem:
            skipped.append(Skipped(application, problem))
        else:
            lines.extend(DueLine(application, instalment) for instalment in due)
    return DuePayments(ministry, due_on, lines, skipped)


def _disburse_entry(application_id: int) -> LedgerEntry:
    return db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.application_id == application_id,
                                     LedgerEntry.kind == EntryKind.DISBURSE,
                                     LedgerEntry.cause == ADVANCE_TRIGGER)
        .order_by(LedgerEntry.id.desc()).limit(1)).one()


def commit_run(ministry: Ministry, due_on: date, actor: User, now: datetime) -> PaymentRun:
    """Pay every instalment due on ``due_on``; refuses (nothing changed) when none is due."""
    require_role(actor, Role.FINANCE)
    today = now.astimezone(AMSTERDAM).date()
    if due_on > today:
        raise ValidationFailed(_("Betalen kan alleen wat al vervallen is."), {"due_on": [
            _("Kies vandaag (%(today)s) of een eerdere datum.", today=format_day(today))]})
    preview = due_payments(ministry, due_on, actor)
    debtor = sepa.debtor_for(ministry)
    run = PaymentRun(
        ministry=ministry, due_on=due_on, execution_on=today, debtor_name=debtor.name,
        debtor_iban=debtor.iban, debtor_bic=debtor.bic, message_id=f"pending-{now.timestamp()}",
        line_count=0, total_cents=0, sepa_xml=b"", sepa_sha256="",
        skipped=[{"application": s.application.id, "reference": s.application.reference,
                  "reason": s.reason} for s in preview.skipped],
        created_at=now, created_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    run.message_id = f"TP-{ministry.value}-{run.id:08d}"

    paid: list[DueLine] = []
    for application_id in dict.fromkeys(line.application.id for line in preview.lines):
        application = locked_application(application_id, actor)
        # Under the lock: a run that committed meanwhile has already paid what it paid.
        for due in due_instalments(application, due_on):
            line = DueLine(application, due)
            instalment = due.instalment
            fire_trigger(application.id, ADVANCE_TRIGGER, actor, {
                "amount": cents_to_api(due.amount_cents),
                "reason": f"Betaalrun {run.id}: voorschot {instalment.number} van "
                          f"{instalment.count}"}, now)
            db.session.add(PaymentLine(
                run_id=run.id, application_id=application.id, instalment=instalment.number,
                instalment_count=instalment.count, due_on=instalment.due_on,
                amount_cents=due.amount_cents,
                paid_through_cents=advances_paid(application.id),
                creditor_name=application.organisation.name,
                creditor_iban=application.organisation.iban, remittance=line.remittance,
                ledger_entry_id=_disburse_entry(application.id).id))
            db.session.flush()
            paid.append(line)
    if not paid:
        raise Conflict(_("Er zijn op %(day)s geen voorschotten (meer) te betalen.",
                         day=format_day(due_on)))

    run.line_count = len(paid)
    run.total_cents = sum(line.amount_cents for line in paid)
    run.sepa_xml = sepa.credit_transfer(
        debtor, [sepa.Transfer(line.end_to_end_id, line.application.organisation.name,
                               line.application.organisation.iban, line.amount_cents,
                               line.remittance) for line in paid],
        message_id=run.message_id, created_at=now, execution_on=today)
    run.sepa_sha256 = sepa.sha256(run.sepa_xml)
    db.session.flush()
    return run


def get_run(run_id: int, actor: User) -> PaymentRun:
    require_role(actor, Role.FINANCE)
    run = db.session.get(PaymentRun, run_id)
    if run is None:
        raise NotFound()
    return run


def list_runs(actor: User) -> list[PaymentRun]:
    require_role(actor, Role.FINANCE)
    return list(db.session.scalars(sa.select(PaymentRun).order_by(PaymentRun.id.desc())))
