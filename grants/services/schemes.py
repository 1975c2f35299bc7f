"""Schemes, windows and the ceilings of their budget lines."""

from datetime import date, datetime

import sqlalchemy as sa

from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.models import Budget, BudgetLine, CeilingAmendment, Scheme, User, Window
from grants.money import format_eur
from grants.timefmt import AMSTERDAM, format_day


def list_schemes() -> list[Scheme]:
    return list(db.session.scalars(sa.select(Scheme).order_by(Scheme.id)))


def get_window(scheme_code: str, window_code: str) -> Window:
    window = db.session.scalars(
        sa.select(Window).join(Scheme).where(Scheme.code == scheme_code, Window.code == window_code)
    ).one_or_none()
    if window is None:
        raise NotFound("Dit aanvraagtijdvak bestaat niet.")
    return window


def amend_ceiling(line: BudgetLine, new_ceiling_cents: int, *, reason: str, effective_on: date,
                  now: datetime, user: User | None) -> CeilingAmendment:
    """Change a line's ceiling, keeping the old value in its history.

    A ceiling cannot drop below what is already reserved and committed on the line, and the
    lines of a budget together stay within the budget. The line holds the ceiling in force
    now, which every decision is checked against, so an amendment is recorded on or after the
    day it takes effect, never before: until that day the old ceiling applies.
    """
    # The budget first, then the line, in every amendment: two amendments of lines of one budget
    # queue behind each other, and the second sees the first's ceiling in the sum of the lines.
    budget = db.session.scalars(sa.select(Budget).where(Budget.id == line.budget_id)
                                .with_for_update().execution_options(populate_existing=True)).one()
    line = db.session.scalars(sa.select(BudgetLine).where(BudgetLine.id == line.id)
                              .with_for_update().execution_options(populate_existing=True)).one()
    fields: dict[str, list[str]] = {}
    if not (reason or "").strip():
        fields["reason"] = ["Geef de reden van de wijziging."]
    today = now.astimezone(AMSTERDAM).date()
    if effective_on > today:
        fields["effective_on"] = [
            f"De wijziging gaat pas in op {format_day(effective_on)}; tot die dag geldt het "
            f"huidige plafond. Leg haar vast op of na {format_day(effective_on)}."]
    used = line.reserved_cents + line.committed_cents
    if new_ceiling_cents < used:
        fields["ceiling"] = [f"Er is al {format_eur(used)} gereserveerd of verplicht; het plafond "
                             "kan niet lager worden."]
    others = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(BudgetLine.ceiling_cents), 0))
        .where(BudgetLine.budget_id == budget.id, BudgetLine.id != line.id))
    if others + new_ceiling_cents > budget.ceiling_cents:
        fields["ceiling"] = [
            f"De regels van {budget.name} komen dan samen boven het budget van "
            f"{format_eur(budget.ceiling_cents)}; er is ruimte tot "
            f"{format_eur(budget.ceiling_cents - others)}."]
    if fields:
        raise ValidationFailed("Het plafond is niet gewijzigd.", fields)

    amendment = CeilingAmendment(
        line=line, old_ceiling_cents=line.ceiling_cents, new_ceiling_cents=new_ceiling_cents,
        reason=reason.strip(), effective_on=effective_on, recorded_at=now,
        recorded_by_id=user.id if user else None)
    line.ceiling_cents = new_ceiling_cents
    db.session.add(amendment)
    db.session.flush()
    return amendment
