"""The figures finance asks for, computed once here for the pages, the API and the CLI alike."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import Budget, BudgetLine


@dataclass(frozen=True)
class Figures:
    code: str
    name: str
    ceiling: int
    reserved: int
    committed: int
    # Paid out, net of what was recovered.
    disbursed: int
    recovered: int

    @property
    def remaining(self) -> int:
        return self.ceiling - self.reserved - self.committed

    @property
    def used_permille(self) -> int:
        """Reserved and committed as tenths of a percent of the ceiling."""
        if not self.ceiling:
            return 0
        return (self.reserved + self.committed) * 1000 // self.ceiling

    @property
    def used_percent_text(self) -> str:
        return f"{self.used_permille // 10},{self.used_permille % 10}%"


@dataclass(frozen=True)
class BudgetFigures(Figures):
    id: int
    ministry: str
    scheme: str | None
    lines: tuple["LineFigures", ...]

    @property
    def unallocated(self) -> int:
        """Budget not (yet) divided over lines."""
        return self.ceiling - sum(line.ceiling for line in self.lines)


@dataclass(frozen=True)
class LineFigures(Figures):
    id: int
    window: str | None
    category: str | None


def line_figures(line: BudgetLine) -> LineFigures:
    return LineFigures(
        code=line.code, name=line.name, ceiling=line.ceiling_cents,
        reserved=line.reserved_cents, committed=line.committed_cents,
        disbursed=line.disbursed_cents - line.recovered_cents, recovered=line.recovered_cents,
        id=line.id, window=line.window.code if line.window else None,
        category=line.category.value if line.category else None)


def budget_figures(budget: Budget) -> BudgetFigures:
    lines = tuple(line_figures(line) for line in budget.lines)
    return BudgetFigures(
        code=budget.code, name=budget.name, ceiling=budget.ceiling_cents,
        reserved=sum(line.reserved for line in lines),
        committed=sum(line.committed for line in lines),
        disbursed=sum(line.disbursed for line in lines),
        recovered=sum(line.recovered for line in lines),
        id=budget.id, ministry=budget.ministry.value,
        scheme=budget.scheme.code if budget.scheme else None, lines=lines)


def budget_report(budgets: list[Budget] | None = None) -> list[BudgetFigures]:
    """The figures of every budget, of ``reported_budgets()`` when the caller has them."""
    return [budget_figures(budget) for budget in
            (reported_budgets() if budgets is None else budgets)]


def reported_budgets() -> list[Budget]:
    """Every budget in order, with what its figures read (lines, their windows, its scheme)."""
    return list(db.session.scalars(
        sa.select(Budget).order_by(Budget.id)
        .options(selectinload(Budget.lines).selectinload(BudgetLine.window),
                 selectinload(Budget.scheme))))
