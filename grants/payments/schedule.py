"""Advance schedules: a grant's advances (voorschotten, Awb 4:52) as dated instalments.

The share and the interval are rule parameters of the scheme (``advance_percent``,
``advance_interval_months``), data an admin can change. An application submitted before the
parameters existed is judged by the scheme's current ones.
"""

import calendar
import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from grants.budget.ledger import application_balance
from grants.extensions import db
from grants.models import Application, EntryKind, LedgerEntry
from grants.timefmt import AMSTERDAM
from grants.workflows import workflow_for
from grants.workflows.rules import current_rules

ADVANCE_TRIGGER = "pay_advance"


@dataclass(frozen=True)
class Instalment:
    number: int
    count: int
    due_on: date
    amount_cents: int


@dataclass(frozen=True)
class DueInstalment:
    """An instalment, or what is left of it after earlier advances, that may be paid now."""

    instalment: Instalment
    amount_cents: int


def advance_rules(application: Application) -> dict | None:
    """The advance parameters the application is paid by; None when its scheme has no advances."""
    workflow = workflow_for(application.scheme.code)
    params = {**workflow.default_rules, **(application.scheme.rules or {}),
              **current_rules(application, workflow.default_rules)["rules"]}
    if params.get("advance_percent") is None or not params.get("advance_interval_months"):
        return None
    return params


def add_months(day: date, months: int) -> date:
    """The same day so many months on, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_spanned(starts_on: date, ends_on: date) -> int:
    """Calendar months from the first day up to and including the last; a part month counts."""
    after = date.fromordinal(ends_on.toordinal() + 1)
    months = (after.year - starts_on.year) * 12 + after.month - starts_on.month
    return max(1, months + (1 if after.day > starts_on.day else 0))


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
    total = application.granted_cents * int(params["advance_percent"]) // 100
    if total <= 0:
        return []
    interval = int(params["advance_interval_months"])
    decided_on = application.decided_at.astimezone(AMSTERDAM).date()
    starts_on, ends_on = _project_period(application, decided_on)
    count = math.ceil(_months_spanned(starts_on, ends_on) / interval)
    base = total // count
    amounts = [base] * (count - 1) + [total - base * (count - 1)]
    return [Instalment(number, count, max(add_months(starts_on, (number - 1) * interval),
                                          decided_on), amount)
            for number, amount in enumerate(amounts, start=1)]


def advances_paid(application_id: int) -> int:
    """What was paid as advances: the disburse entries booked by ``pay_advance``."""
    total = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_cents)).where(
        LedgerEntry.application_id == application_id, LedgerEntry.kind == EntryKind.DISBURSE,
        LedgerEntry.cause == ADVANCE_TRIGGER))
    return int(total or 0)


def due_instalments(application: Application, on: date) -> list[DueInstalment]:
    """Instalments due on or before ``on`` that earlier advances have not yet covered.

    Advances paid are counted against the instalments in order, so an advance paid by hand
    covers the first instalments; nothing is ever due beyond what the grant still commits.
    """
    paid = advances_paid(application.id)
    balance = application_balance(application.id)
    room = balance.committed - balance.paid
    due, scheduled = [], 0
    for instalment in instalments(application):
        covered_before = max(paid, scheduled)
        scheduled += instalment.amount_cents
        if instalment.due_on > on:
            break
        amount = min(scheduled - covered_before, room) if scheduled > covered_before else 0
        if amount > 0:
            due.append(DueInstalment(instalment, amount))
            room -= amount
    return due
