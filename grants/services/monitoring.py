"""The monitoring overview: per scheme and region, the grants in each phase after the decision
(praktijkleren's direct settlements too), the reports that are late, and what was paid against
what is committed.

Money per scheme is the ledger report's (grants.budget.report): the same figures finance sees.
The split over regions reads the same ledger entries by the region of their application.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from grants.budget.downloads import euro_amount, to_csv
from grants.budget.report import budget_report
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Bucket,
    EntryKind,
    GrantReport,
    LedgerEntry,
    Region,
    ReportStatus,
    Scheme,
)

S = ApplicationState
# The phases after the decision of every lifecycle: a grant (approved → monitored → settlement
# requested → settled → closed) and praktijkleren's direct settlement (settled → paid → closed).
PHASES = (S.APPROVED, S.MONITORED, S.SETTLEMENT_REQUESTED, S.SETTLED, S.PAID, S.CLOSED)
FOLLOWED = (S.APPROVED, S.MONITORED)  # states in which reports are still awaited


@dataclass
class Row:
    scheme: str
    scheme_name: str
    region: str | None  # None: the scheme's total
    phases: dict[str, int] = field(default_factory=lambda: {p.value: 0 for p in PHASES})
    reports_overdue: int = 0
    committed: int = 0
    paid: int = 0

    @property
    def grants(self) -> int:
        return sum(self.phases.values())


@dataclass(frozen=True)
class Overview:
    rows: list[Row]  # per scheme: its total row, then its regions

    def total_of(self, scheme: str) -> Row:
        return next(r for r in self.rows if r.scheme == scheme and r.region is None)


def _phase_counts():
    return db.session.execute(
        sa.select(Application.scheme_id, Application.region, Application.state,
                  sa.func.count(Application.id))
        .where(Application.state.in_(PHASES))
        .group_by(Application.scheme_id, Application.region, Application.state))


def _overdue_counts(today: date):
    return db.session.execute(
        sa.select(Application.scheme_id, Application.region, sa.func.count(GrantReport.id))
        .join(Application, Application.id == GrantReport.application_id)
        .where(GrantReport.status.in_((ReportStatus.DUE, ReportStatus.SENT_BACK)),
               GrantReport.due_on < today, Application.state.in_(FOLLOWED))
        .group_by(Application.scheme_id, Application.region))


def _money_by_region():
    """Committed and paid (net of releases and recoveries) per scheme and region."""
    committed = sa.case(
        (LedgerEntry.kind == EntryKind.COMMIT, LedgerEntry.amount_cents),
        ((LedgerEntry.kind == EntryKind.RELEASE) & (LedgerEntry.bucket == Bucket.COMMITTED),
         -LedgerEntry.amount_cents), else_=0)
    paid = sa.case(
        (LedgerEntry.kind == EntryKind.DISBURSE, LedgerEntry.amount_cents),
        (LedgerEntry.kind == EntryKind.RECOVER, -LedgerEntry.amount_cents), else_=0)
    return db.session.execute(
        sa.select(Application.scheme_id, Application.region, sa.func.sum(committed),
                  sa.func.sum(paid))
        .join(Application, Application.id == LedgerEntry.application_id)
        .group_by(Application.scheme_id, Application.region))


def monitoring_overview(today: date) -> Overview:
    schemes = list(db.session.scalars(sa.select(Scheme).order_by(Scheme.code)))
    by_id = {scheme.id: scheme for scheme in schemes}
    totals = {s.id: Row(s.code, s.name, None) for s in schemes}
    regions: dict[tuple[int, Region], Row] = {}

    def region_row(scheme_id: int, region: Region) -> Row:
        key = (scheme_id, region)
        if key not in regions:
            scheme = by_id[scheme_id]
            regions[key] = Row(scheme.code, scheme.name, Region(region).value)
        return regions[key]

    for scheme_id, region, state, count in _phase_counts():
        for row in (totals[scheme_id], region_row(scheme_id, region)):
            row.phases[ApplicationState(state).value] += count
    for scheme_id, region, count in _overdue_counts(today):
        for row in (totals[scheme_id], region_row(scheme_id, region)):
            row.reports_overdue += count
    for scheme_id, region, committed, paid in _money_by_region():
        row = region_row(scheme_id, region)
        # PostgreSQL sums to Decimal; cents are whole numbers either way.
        row.committed, row.paid = int(committed or 0), int(paid or 0)
    # The schemes' money is the ledger report's, as finance sees it on the budgets.
    for figures in budget_report():
        scheme = next((s for s in schemes if s.code == figures.scheme), None)
        if scheme is not None:
            totals[scheme.id].committed += figures.committed
            totals[scheme.id].paid += figures.disbursed

    rows = []
    for scheme in schemes:
        rows.append(totals[scheme.id])
        rows += [regions[key] for key in sorted(
            (k for k in regions if k[0] == scheme.id), key=lambda k: Region(k[1]).value)]
    return Overview(rows)


COLUMNS = ["regeling", "regio", *[f"fase_{p.value}" for p in PHASES], "subsidies",
           "rapportages_te_laat", "verplicht", "betaald"]


def overview_csv(rows: Iterable[Row]) -> str:
    return to_csv(COLUMNS, ([row.scheme, row.region or "totaal",
                             *[row.phases[p.value] for p in PHASES], row.grants,
                             row.reports_overdue, euro_amount(row.committed),
                             euro_amount(row.paid)] for row in rows))
