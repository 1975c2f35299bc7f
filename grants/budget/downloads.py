"""Finance's tables of the ledger, the same rows on a page and in a download.

The amounts of budgets and lines come from ``grants.budget.report`` (the one source of the
figures); this module adds what a line page lists under them (the applications that hold money
on the line and the entries booked on it) and writes both as CSV and as Excel.

In the files money is a number in euros with two decimals, made from Decimal and never from
float: ``2700.00`` in the CSV, a number cell with the format ``#,##0.00`` in Excel.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import xlsxwriter
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from grants.budget.report import BudgetFigures, Figures, LineFigures
from grants.extensions import db
from grants.i18n import N_
from grants.models import (
    STATE_LABELS,
    TRIGGER_LABELS,
    Application,
    ApplicationState,
    Bucket,
    BudgetLine,
    EntryKind,
    LedgerEntry,
)
from grants.money import cents_to_api
from grants.timefmt import AMSTERDAM, to_api

PER_PAGE = 50

KIND_LABELS = {
    EntryKind.RESERVE: N_("reserveren"),
    EntryKind.COMMIT: N_("verplichten"),
    EntryKind.RELEASE: N_("vrijgeven"),
    EntryKind.DISBURSE: N_("betalen"),
    EntryKind.RECOVER: N_("terugvorderen"),
}
BUCKET_LABELS = {Bucket.RESERVED: N_("reservering"), Bucket.COMMITTED: N_("verplichting")}
MANUAL = "manual"


def cause_label(cause: str) -> str:
    """What made the entry: the trigger's Dutch name, or "handmatig" for a booking by hand."""
    if cause == MANUAL:
        return N_("handmatig")
    return TRIGGER_LABELS.get(cause, cause)


def euro_amount(cents: int) -> Decimal:
    """Euros with two decimals, exact: 270000 → Decimal("2700.00")."""
    return Decimal(cents_to_api(cents))


def percent_used(figures: Figures) -> Decimal:
    """% used with one decimal, as the pages show it (rounded down): 37.5."""
    return Decimal(figures.used_permille).scaleb(-1)


# -- what a line page lists -------------------------------------------------------------------

@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    kind: EntryKind
    bucket: Bucket | None
    amount: int
    application_id: int | None
    reference: str | None
    cause: str
    actor: str | None
    reason: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def bucket_label(self) -> str:
        return BUCKET_LABELS[self.bucket] if self.bucket else ""

    @property
    def cause_label(self) -> str:
        return cause_label(self.cause)


@dataclass(frozen=True)
class Holding:
    """What one application holds on one line, summed from its ledger entries."""

    application_id: int
    reference: str
    title: str
    organisation: str
    state: ApplicationState
    reserved: int
    committed: int
    paid: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _entry_rows(entries: Sequence[LedgerEntry]) -> list[EntryRow]:
    ids = {entry.application_id for entry in entries if entry.application_id}
    references = dict(db.session.execute(
        sa.select(Application.id, Application.reference).where(Application.id.in_(ids))).all()
    ) if ids else {}
    return [EntryRow(
        id=entry.id, at=entry.at, kind=entry.kind, bucket=entry.bucket,
        amount=entry.amount_cents, application_id=entry.application_id,
        reference=references.get(entry.application_id), cause=entry.cause,
        actor=entry.actor.name if entry.actor else None, reason=entry.reason,
    ) for entry in entries]


def _entries(line_id: int):
    return (sa.select(LedgerEntry).where(LedgerEntry.line_id == line_id)
            .options(joinedload(LedgerEntry.actor)))


def entry_page(line_id: int, page: int | None) -> Pagination:
    """One page of a line's entries, newest first; ``.items`` are EntryRows."""
    pagination = db.paginate(
        _entries(line_id).order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()),
        page=page or 1, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    pagination.items = _entry_rows(pagination.items)
    return pagination


def all_entries(line_id: int) -> list[EntryRow]:
    """All of a line's entries, oldest first (for the downloads)."""
    entries = db.session.scalars(
        _entries(line_id).order_by(LedgerEntry.at, LedgerEntry.id)).all()
    return _entry_rows(entries)


def _signed(kind: EntryKind, bucket: Bucket | None = None):
    """Sum of the entries of ``kind`` (and, for releases, ``bucket``)."""
    condition = LedgerEntry.kind == kind
    if bucket is not None:
        condition = sa.and_(condition, LedgerEntry.bucket == bucket)
    return sa.func.coalesce(sa.func.sum(
        sa.case((condition, LedgerEntry.amount_cents), else_=0)), 0)


def holding_page(line_id: int, page: int | None) -> Pagination:
    """The applications with entries on a line, by reference, with what each holds there."""
    on_line = sa.select(LedgerEntry.application_id).where(LedgerEntry.line_id == line_id)
    pagination = db.paginate(
        sa.select(Application).where(Application.id.in_(on_line))
        .options(joinedload(Application.organisation)).order_by(Application.reference),
        page=page or 1, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    applications = pagination.items
    sums = {}
    if applications:
        sums = {row.application_id: row for row in db.session.execute(
            sa.select(
                LedgerEntry.application_id,
                (_signed(EntryKind.RESERVE) - _signed(EntryKind.RELEASE, Bucket.RESERVED))
                .label("reserved"),
                (_signed(EntryKind.COMMIT) - _signed(EntryKind.RELEASE, Bucket.COMMITTED))
                .label("committed"),
                (_signed(EntryKind.DISBURSE) - _signed(EntryKind.RECOVER)).label("paid"),
            ).where(LedgerEntry.line_id == line_id,
                    LedgerEntry.application_id.in_([a.id for a in applications]))
            .group_by(LedgerEntry.application_id))}
    pagination.items = [Holding(
        application_id=a.id, reference=a.reference, title=a.title,
        organisation=a.organisation.name, state=a.state,
        reserved=int(sums[a.id].reserved), committed=int(sums[a.id].committed),
        paid=int(sums[a.id].paid),
    ) for a in applications]
    return pagination


def get_line(line_id: int) -> BudgetLine | None:
    return db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.id == line_id)
        .options(joinedload(BudgetLine.budget), joinedload(BudgetLine.window))).one_or_none()


# -- the files --------------------------------------------------------------------------------

OVERVIEW_COLUMNS = ("Soort", "Budget", "Regel", "Naam", "Plafond", "Gereserveerd", "Verplicht",
                    "Betaald (netto)", "Teruggevorderd", "Resterend", "Niet over regels verdeeld",
                    "Benut (%)")
ENTRY_COLUMNS = ("Datum en tijd", "Soort", "Vrijgegeven uit", "Bedrag", "Aanvraag", "Oorzaak",
                 "Door", "Reden")
# The overview's column holding a percentage (every other Decimal is euros).
_OVERVIEW_PERCENT = 11


def _figures(figures: Figures) -> list:
    return [euro_amount(figures.ceiling), euro_amount(figures.reserved),
            euro_amount(figures.committed), euro_amount(figures.disbursed),
            euro_amount(figures.recovered), euro_amount(figures.remaining)]


def overview_rows(report: Iterable[BudgetFigures]) -> list[list]:
    """One row per budget, followed by one per line of it."""
    rows = []
    for budget in report:
        rows.append(["budget", budget.code, "", budget.name, *_figures(budget),
                     euro_amount(budget.unallocated), percent_used(budget)])
        for line in budget.lines:
            rows.append(_line_row(budget, line))
    return rows


def _line_row(budget: BudgetFigures, line: LineFigures) -> list:
    return ["regel", budget.code, line.code, line.name, *_figures(line), None,
            percent_used(line)]


def entry_rows(entries: Iterable[EntryRow]) -> list[list]:
    return [[entry.at, entry.kind_label, entry.bucket_label, euro_amount(entry.amount),
             entry.reference or "", entry.cause_label, entry.actor or "", entry.reason]
            for entry in entries]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return to_api(value)
    text = str(value)
    # A spreadsheet would run text like "=HYPERLINK(…)" as a formula (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return out.getvalue()


def to_xlsx(sheet: str, title: str, columns: Sequence[str], rows: Iterable[Sequence],
            widths: Sequence[int], percent_columns: frozenset[int] = frozenset()) -> bytes:
    """One sheet with a header row; Decimals as numbers (euros in #,##0.00, percentages in
    0.0), datetimes as dates in Amsterdam time, everything else as text."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    workbook.set_properties({"title": title, "author": "Techniekpact subsidies",
                             "company": "Nationaal Techniekpact 2020"})
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                  "valign": "top"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    percent = workbook.add_format({"num_format": "0.0"})
    moment = workbook.add_format({"num_format": "d-m-yyyy hh:mm"})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write_row(0, 0, columns, header)
    last = 0
    for last, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Decimal):
                # XlsxWriter writes a Decimal's own digits ("2700.00") into the file.
                worksheet.write_number(last, column, value,
                                       percent if column in percent_columns else money)
            elif isinstance(value, datetime):
                local = value.astimezone(AMSTERDAM).replace(tzinfo=None)
                worksheet.write_datetime(last, column, local, moment)
            else:
                # write_string: text is never taken for a formula.
                worksheet.write_string(last, column, str(value))
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, last, len(columns) - 1)
    workbook.close()
    return out.getvalue()


def overview_csv(report: Iterable[BudgetFigures]) -> str:
    return to_csv(OVERVIEW_COLUMNS, overview_rows(report))


def overview_xlsx(report: Iterable[BudgetFigures]) -> bytes:
    return to_xlsx("Budgetten", "Budgetten van het Techniekpact", OVERVIEW_COLUMNS,
                   overview_rows(report), (8, 16, 18, 48, *([16] * 7), 10),
                   percent_columns=frozenset({_OVERVIEW_PERCENT}))


def entries_csv(entries: Iterable[EntryRow]) -> str:
    return to_csv(ENTRY_COLUMNS, entry_rows(entries))


def entries_xlsx(line: BudgetLine, entries: Iterable[EntryRow]) -> bytes:
    return to_xlsx("Boekingen", f"Boekingen op {line.name}", ENTRY_COLUMNS, entry_rows(entries),
                   (17, 14, 15, 16, 20, 24, 22, 60))
