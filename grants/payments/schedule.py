"""Advance schedules: a grant's advances (voorschotten, Awb 4:52) as dated instalments.

The share and the interval are rule parameters of the scheme (``advance_percent``,
``advance_interval_months``), data an admin can change. An application submitted before the
parameters existed is judged by the scheme's current ones.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from grants.budget.ledger import Balance, application_balance
from grants.decisions.advances import Instalment, add_months, advance_schedule
from grants.extensions import db
from grants.models import Application, EntryKind, LedgerEntry
from grants.timefmt import AMSTERDAM
from grants.workflows import workflow_for
from grants.workflows.rules import current_rules

ADVANCE_TRIGGER = "pay_advance"
__all__ = ["Instalment", "add_months", "advance_rules", "advances_paid", "advances_paid_of",
           "due_instalments", "instalments"]


@dataclass(frozen=True)
class DueInstalment:
    """An instalment, or what is left of it after earlier advances, that may be paid now."""

    instalment: Instalment
    amount_cents: int
    # The advances paid once this one is: what no second payment may bring them to again.
    paid_through_cents: int


def advance_rules(application: Application) -> dict | None:
    """The advance parameters the application is paid by; None when its scheme has no advances."""
    workflow = workflow_for(application.scheme.code)
    params = {**workflow.default_rules, **(application.scheme.rules or {}),
              **current_rules(application, workflow.default_rules)["rules"]}
    if params.get("advance_percent") is None or not params.get("advance_interval_months"):
        return None
    return params


def _project_period(application: Application, decided_on: date) -> tuple[date, date]:
    details = application.details or {}
    try:
        return date.fromisoformat(details["starts_on"]), date.fromisoformat(details["ends_on"])
    except (KeyError, TypeError, ValueError):
        return decided_on, decided_on


def instalments(application: Application) -> list[Instalment]:
    """The granted application's advances: equal instalments, the rounding cents on the last.

    Each falls due on the project's start and then every interval, but never before the grant.
    """
    params = advance_rules(application)
    if params is None or not application.granted_cents or application.decided_at is None:
        return []
    decided_on = application.decided_at.astimezone(AMSTERDAM).date()
    starts_on, ends_on = _project_period(application, decided_on)
    # The letter states the same schedule (grants.decisions.advances).
    return advance_schedule(application.granted_cents, int(params["advance_percent"]),
                            int(params["advance_interval_months"]), starts_on, ends_on,
                            decided_on)


_ADVANCE_ENTRIES = (LedgerEntry.kind == EntryKind.DISBURSE, LedgerEntry.cause == ADVANCE_TRIGGER)


def advances_paid(application_id: int) -> int:
    """What was paid as advances: the disburse entries booked by ``pay_advance``."""
    total = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(
        LedgerEntry.application_id == application_id, *_ADVANCE_ENTRIES))
    return int(total or 0)


def advances_paid_of(application_ids: sa.Select) -> dict[int, int]:
    """``advances_paid`` of each application ``application_ids`` selects, in one query; one
    paid no advance is left out."""
    return {application_id: int(total) for application_id, total in db.session.execute(
        sa.select(LedgerEntry.application_id, sa.func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.application_id.in_(application_ids), *_ADVANCE_ENTRIES)
        .group_by(LedgerEntry.application_id))}



def due_instalments(application: Application, on: date, paid: int | None = None,
                     balance: Balance | None = None) -> list[DueInstalment]:
    """Instalments due on or before ``on`` that earlier advances have not yet covered.

    Advances paid are counted against the instalments in order, so an advance paid by hand
    covers the first instalments; nothing is ever due beyond what the grant still commits.
    ``paid`` and ``balance``, when given, are the application's advances paid and ledger
    balance as read for many applications at once.
    """
    paid = advances_paid(application.id) if paid is None else paid
    balance = application_balance(application.id) if balance is None else balance
    room = balance.committed - balance.paid
    due, scheduled, running = [], 0, paid
    for instalment in instalments(application):
        covered_before = max(paid, scheduled)
        scheduled += instalment.amount_cents
        if instalment.due_on > on:
            break
        amount = min(scheduled - covered_before, room) if scheduled > covered_before else 0
        if amount > 0:
            running += amount
            due.append(DueInstalment(instalment, amount, running))
            room -= amount
    return due
