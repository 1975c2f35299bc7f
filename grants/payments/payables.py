"""What a payment run can pay: every payable of a ministry that fell due by a day.

Four kinds (domain.md §2–4): advance instalments of a grant; praktijkleren's direct settlement
(state ``settled``, paid by ``pay``); the balance a settlement of a grant leaves unpaid after
the advances (``settled`` with committed > paid, paid by ``pay``); and the costs of an upheld
objection (Awb 7:15), which are no subsidy money and are paid without a ledger entry.

An application waits in at most one prepared run: while one holds it, no other run plans
anything for it. So what a prepared run planned is exactly what stays to be paid until it is
approved or cancelled, and comparing the two under the application's lock tells what changed.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from stdnum import iban as stdnum_iban

from grants.budget.ledger import Balance, application_balance, application_balances
from grants.extensions import db
from grants.models import (
    PAYMENT_KIND_LABELS,
    Application,
    ApplicationState,
    Objection,
    ObjectionOutcome,
    PaymentKind,
    PaymentLine,
    PaymentRun,
    PaymentRunStatus,
    Scheme,
)
from grants.models.schemes import Ministry
from grants.payments.schedule import (
    ADVANCE_TRIGGER,
    Instalment,
    advances_paid_of,
    due_instalments,
)
from grants.services.payee import named_iban
from grants.services.receipts import mask_iban
from grants.timefmt import AMSTERDAM

ADVANCE_STATES = (ApplicationState.APPROVED, ApplicationState.MONITORED)
# Paid in full by its settlement: the settlement is the decision (directe vaststelling).
DIRECT_SETTLEMENT_SCHEMES = frozenset({"praktijkleren"})
PAY_TRIGGER = "pay"


@dataclass(frozen=True)
class Payable:
    application: Application
    kind: PaymentKind
    amount_cents: int
    # What the application has been paid of this kind, this payable included.
    paid_through_cents: int
    due_on: date
    instalment: Instalment | None = None
    objection: Objection | None = None

    @property
    def kind_label(self) -> str:
        return PAYMENT_KIND_LABELS[self.kind]

    @property
    def trigger(self) -> str | None:
        """The trigger that pays it; objection costs are paid by the run alone."""
        return {PaymentKind.ADVANCE: ADVANCE_TRIGGER, PaymentKind.SETTLEMENT: PAY_TRIGGER,
                PaymentKind.BALANCE: PAY_TRIGGER}.get(self.kind)

    @property
    def creditor_iban(self) -> str:
        return creditor_iban(self.application)

    @property
    def remittance(self) -> str:
        """What the payee's bank statement shows: the reference and what is paid (Dutch, as
        letters are)."""
        reference = self.application.reference
        if self.kind == PaymentKind.ADVANCE:
            return f"{reference} voorschot {self.instalment.number}/{self.instalment.count}"
        if self.kind == PaymentKind.SETTLEMENT:
            return f"{reference} vaststelling"
        if self.kind == PaymentKind.BALANCE:
            return f"{reference} saldo na vaststelling"
        lodged = self.objection.lodged_at.astimezone(AMSTERDAM).date()
        return f"{reference} proceskosten bezwaar van {lodged:%d-%m-%Y}"

    def end_to_end_id(self, run_id: int) -> str:
        """Unique per line (at most 35 characters): the reference, the run and what."""
        what = {PaymentKind.SETTLEMENT: "VS", PaymentKind.BALANCE: "S"}.get(self.kind)
        if self.kind == PaymentKind.ADVANCE:
            what = f"V{self.instalment.number}"
        elif self.kind == PaymentKind.OBJECTION_COSTS:
            what = f"K{self.objection.id}"
        return f"{self.application.reference}-{run_id}-{what}"

    def key(self) -> tuple:
        """What a planned line and a recomputed payable must share to be the same payment."""
        return (self.kind, self.instalment.number if self.instalment else None,
                self.objection.id if self.objection else None, self.amount_cents,
                self.paid_through_cents)


def line_key(line: PaymentLine) -> tuple:
    return (line.kind, line.instalment, line.objection_id, line.amount_cents,
            line.paid_through_cents)


def creditor_iban(application: Application) -> str:
    """Every payable is paid to the organisation's confirmed IBAN, never to the one a
    praktijkleren application names.

    Submitting requires the two to agree (grants.services.payee), but they may not: an
    application sent before that rule, or an organisation whose IBAN changed (confirmed by a
    second person) after it was sent. The confirmed IBAN wins then, rather than the line being
    skipped: the application's IBAN was typed by one person and nobody confirmed it, and a
    submitted application cannot be edited any more, so a skip would hold up what is owed for
    good. When the organisation has no confirmed IBAN the line is skipped (``iban_problem``)."""
    return application.organisation.iban or ""


def iban_problem(application: Application) -> str | None:
    account = creditor_iban(application)
    named = named_iban(application)
    if not account and named:
        return _("Geen bevestigd IBAN van %(organisation)s. Het IBAN op de aanvraag "
                 "(%(iban)s) is door niemand bevestigd en wordt niet gebruikt; de organisatie "
                 "vult haar IBAN in en een tweede persoon bevestigt het.",
                 organisation=application.organisation.name, iban=mask_iban(named))
    if not account:
        return _("Geen IBAN bekend van %(organisation)s; vul het aan voordat er betaald wordt.",
                 organisation=application.organisation.name)
    if not stdnum_iban.is_valid(account) or not account.startswith("NL"):
        return _("Het IBAN van %(organisation)s (%(iban)s) is ongeldig.",
                 organisation=application.organisation.name, iban=account)
    return None


def waiting_runs(application_ids: sa.Select) -> dict[int, PaymentRun]:
    """``waiting_in`` of each application ``application_ids`` selects, in one query."""
    found: dict[int, PaymentRun] = {}
    for application_id, run in db.session.execute(
            sa.select(PaymentLine.application_id, PaymentRun).join(PaymentLine.run)
            .where(PaymentLine.application_id.in_(application_ids), PaymentLine.held.is_(True),
                   PaymentRun.status == PaymentRunStatus.PREPARED)
            .order_by(PaymentRun.id)):
        found.setdefault(application_id, run)
    return found


def waiting_in(application_id: int, except_run: int | None = None) -> PaymentRun | None:
    """The prepared run that holds the application's payables, if one does."""
    stmt = (sa.select(PaymentRun).join(PaymentLine)
            .where(PaymentLine.application_id == application_id, PaymentLine.held.is_(True),
                   PaymentRun.status == PaymentRunStatus.PREPARED))
    if except_run is not None:
        stmt = stmt.where(PaymentRun.id != except_run)
    return db.session.scalars(stmt.limit(1)).first()


def _local_day(moment) -> date | None:
    return moment.astimezone(AMSTERDAM).date() if moment else None


@dataclass(frozen=True)
class Known:
    """What payables_of asks the database about one application, read for every candidate
    of a ministry at once (KnownPayables): a preview of a national run reads its thousands of
    applications in a few queries, not several each."""

    balance: Balance
    advances_paid: int
    # Objections with costs are rare: only then are they read, one application at a time.
    objection_costs: bool


class KnownPayables:
    """``Known`` of each application ``ids`` selects (a ministry's candidates: ``owed_ids``; a
    run's applications, under their locks), and the prepared run each waits in."""

    def __init__(self, ids: sa.Select):
        self._balances = application_balances(ids)
        self._advances_paid = advances_paid_of(ids)
        self._with_costs = set(db.session.scalars(_with_costs().where(
            Objection.application_id.in_(ids))))
        self.waiting = waiting_runs(ids)

    def of(self, application_id: int) -> Known:
        return Known(self._balances.get(application_id, Balance()),
                     self._advances_paid.get(application_id, 0),
                     application_id in self._with_costs)


def _advances(application: Application, due_on: date, known: Known | None) -> list[Payable]:
    if application.state not in ADVANCE_STATES:
        return []
    read = (known.advances_paid, known.balance) if known else ()
    return [Payable(application, PaymentKind.ADVANCE, due.amount_cents, due.paid_through_cents,
                    due.instalment.due_on, instalment=due.instalment)
            for due in due_instalments(application, due_on, *read)]


def _settlement(application: Application, due_on: date, known: Known | None) -> list[Payable]:
    if application.state != ApplicationState.SETTLED:
        return []
    settled_on = _local_day(application.decided_at) or due_on
    if settled_on > due_on:
        return []
    balance = known.balance if known else application_balance(application.id)
    unpaid = balance.committed - balance.paid
    if unpaid <= 0:
        return []
    kind = (PaymentKind.SETTLEMENT if application.scheme.code in DIRECT_SETTLEMENT_SCHEMES
            else PaymentKind.BALANCE)
    return [Payable(application, kind, unpaid, balance.committed, settled_on)]


def _objection_costs(application: Application, due_on: date,
                     except_run: int | None) -> list[Payable]:
    others = [PaymentLine.held.is_(True)]
    if except_run is not None:
        others.append(PaymentLine.run_id != except_run)
    paid_costs = int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentLine.amount_cents), 0))
        .where(PaymentLine.application_id == application.id,
               PaymentLine.kind == PaymentKind.OBJECTION_COSTS, *others)) or 0)
    held = sa.select(PaymentLine.objection_id).where(PaymentLine.objection_id.is_not(None),
                                                     *others)
    found = []
    for objection in db.session.scalars(
            sa.select(Objection).where(Objection.application_id == application.id,
                                       Objection.costs_cents > 0,
                                       Objection.outcome == ObjectionOutcome.UPHELD,
                                       Objection.decided_at.is_not(None),
                                       Objection.id.not_in(held))
            .order_by(Objection.id)):
        decided_on = _local_day(objection.decided_at)
        if decided_on > due_on:
            continue
        paid_costs += objection.costs_cents
        found.append(Payable(application, PaymentKind.OBJECTION_COSTS, objection.costs_cents,
                             paid_costs, decided_on, objection=objection))
    return found


def payables_of(application: Application, due_on: date, except_run: int | None = None,
                known: Known | None = None) -> list[Payable]:
    """Everything the application is owed by ``due_on`` that no run holds (but ``except_run``,
    whose own planned lines are what is being checked). ``known``: what was read of it with
    the other candidates (KnownPayables); without it, it is read now."""
    costs = (_objection_costs(application, due_on, except_run)
             if known is None or known.objection_costs else [])
    return [*_advances(application, due_on, known), *_settlement(application, due_on, known),
            *costs]


def owed_ids(ministry: Ministry) -> sa.Select:
    """The ids of ``candidates``, to read what is known of them (KnownPayables)."""
    return sa.select(Application.id).join(Application.scheme).where(*_may_be_owed(ministry))


def candidates(ministry: Ministry) -> list[Application]:
    """Applications of the ministry that may be owed something, by reference; with their
    organisations (the IBAN) and frozen rules (the advances), which every one of them needs."""
    return list(db.session.scalars(
        sa.select(Application).join(Application.scheme).where(*_may_be_owed(ministry))
        .options(selectinload(Application.organisation),
                 selectinload(Application.rules_version))
        .order_by(Application.reference)))


def _with_costs() -> sa.Select:
    return sa.select(Objection.application_id).where(Objection.costs_cents > 0)


def _may_be_owed(ministry: Ministry) -> tuple:
    return (Scheme.ministry == ministry,
            sa.or_(Application.state.in_((*ADVANCE_STATES, ApplicationState.SETTLED)),
                   Application.id.in_(_with_costs())))
