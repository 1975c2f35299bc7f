"""Finance's pages: the overview they land on, budgets and their lines, the ledger behind them,
downloads and bookings by hand. Every amount comes from grants.budget.report, as in the API and
the CLI."""

import re
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from grants.access import role_required
from grants.budget import downloads
from grants.budget.charts import budget_chart, budget_charts
from grants.budget.manual import book_by_hand
from grants.budget.report import (
    Figures,
    budget_figures,
    budget_report,
    line_figures,
    reported_budgets,
)
from grants.clock import now
from grants.errors import NotFound, ValidationFailed
from grants.extensions import db
from grants.forms.finance import BookingForm
from grants.i18n import N_, page_eur
from grants.models import (
    MINISTRY_NAMES,
    Application,
    Budget,
    BudgetLine,
    LedgerEntry,
    Role,
    User,
)
from grants.timefmt import AMSTERDAM

bp = Blueprint("finance", __name__, url_prefix="/financien")

VIEWERS = (Role.FINANCE, Role.ADMIN)
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT_ENTRIES = 10


def _today() -> date:
    return now().astimezone(AMSTERDAM).date()


def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    return Response(body, headers={
        "Content-Type": mimetype,
        "Content-Disposition": f'attachment; filename="{safe}"',
        "Cache-Control": "no-store",
    })


def _budgets() -> dict[int, Budget]:
    return {budget.id: budget for budget in db.session.scalars(
        sa.select(Budget).options(selectinload(Budget.scheme)))}


def _budget(budget_id: int) -> Budget:
    budget = db.session.scalars(
        sa.select(Budget).where(Budget.id == budget_id)
        .options(selectinload(Budget.scheme),
                 selectinload(Budget.lines).selectinload(BudgetLine.window))).one_or_none()
    if budget is None:
        raise NotFound(N_("Dit budget bestaat niet."))
    return budget


def _line(line_id: int) -> BudgetLine:
    line = downloads.get_line(line_id)
    if line is None:
        raise NotFound(N_("Deze budgetregel bestaat niet."))
    return line


def _recent_entries() -> list[tuple[BudgetLine, downloads.EntryRow]]:
    """The newest entries on any line, each with its line."""
    # The actor's name only: a User loaded whole brings a second query for its roles.
    found = db.session.execute(
        sa.select(LedgerEntry, Application.reference, User.name)
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(User, User.id == LedgerEntry.actor_id)
        .options(joinedload(LedgerEntry.line))
        .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()).limit(RECENT_ENTRIES)).all()
    return [(entry.line, downloads.EntryRow(
        id=entry.id, at=entry.at, kind=entry.kind, bucket=entry.bucket, amount=entry.amount_cents,
        application_id=entry.application_id, reference=reference, cause=entry.cause,
        actor=actor, reason=entry.reason,
    )) for entry, reference, actor in found]


@bp.get("/")
@role_required(*VIEWERS)
def dashboard():
    # Read once for the figures, the charts and the page.
    loaded = reported_budgets()
    report = budget_report(loaded)
    budgets = {budget.id: budget for budget in loaded}
    today = _today()
    charts = budget_charts(loaded, today, id_prefix="overzicht")
    total = Figures(code="", name="", **{
        key: sum(getattr(figures, key) for figures in report)
        for key in ("ceiling", "reserved", "committed", "disbursed", "recovered")})
    return render_template("finance/dashboard.html", report=report, total=total,
                           budgets=budgets, charts=charts, entries=_recent_entries(),
                           today=today, can_allocate=current_user.has_role(Role.FINANCE))


@bp.get("/budgetten")
@role_required(*VIEWERS)
def budgets():
    return render_template("finance/budgets.html", report=budget_report(), budgets=_budgets(),
                           today=_today())


@bp.get("/budgetten.csv")
@role_required(*VIEWERS)
def budgets_csv():
    return _download(downloads.overview_csv(budget_report()), CSV,
                     f"budgetten-{_today().isoformat()}.csv")


@bp.get("/budgetten.xlsx")
@role_required(*VIEWERS)
def budgets_xlsx():
    return _download(downloads.overview_xlsx(budget_report()), XLSX,
                     f"budgetten-{_today().isoformat()}.xlsx")


@bp.get("/budgetten/<int:budget_id>")
@role_required(*VIEWERS)
def budget(budget_id: int):
    budget = _budget(budget_id)
    return render_template("finance/budget.html", budget=budget, figures=budget_figures(budget),
                           ministry=MINISTRY_NAMES[budget.ministry],
                           chart=budget_chart(budget, _today(), id_prefix=f"grafiek-{budget.id}"),
                           today=_today())


def _line_page(line: BudgetLine, form: BookingForm, error: str | None = None):
    manual = line.window_id is None
    return render_template(
        "finance/line.html", line=line, budget=line.budget, figures=line_figures(line),
        manual=manual, can_book=manual and current_user.has_role(Role.FINANCE),
        form=form, error=error,
        entries=downloads.entry_page(line.id, request.args.get("page", type=int)),
        holdings=None if manual else downloads.holding_page(
            line.id, request.args.get("aanvragen", type=int)),
        today=_today())


@bp.get("/regels/<int:line_id>")
@role_required(*VIEWERS)
def line(line_id: int):
    return _line_page(_line(line_id), BookingForm(formdata=None))


@bp.post("/regels/<int:line_id>/boekingen")
@role_required(Role.FINANCE)
def book(line_id: int):
    line = _line(line_id)
    form = BookingForm()
    error = None
    if form.validate_on_submit():
        kind, bucket = form.entry_kind()
        try:
            book_by_hand(line.id, kind, form.amount.cents, reason=form.reason.data,
                         actor=current_user._get_current_object(), now=now(), bucket=bucket)
        except ValidationFailed as refused:
            db.session.rollback()  # nothing of a refused booking stays behind
            error = " ".join([refused.message, *form.add_service_errors(refused.fields)])
        else:
            db.session.commit()
            flash(_("Geboekt: %(amount)s %(done)s op %(line)s.",
                    amount=page_eur(form.amount.cents), done=form.done(), line=line.name),
                  "success")
            return redirect(url_for("finance.line", line_id=line.id))
    return _line_page(_line(line_id), form, error), 422


@bp.get("/regels/<int:line_id>/boekingen.csv")
@role_required(*VIEWERS)
def entries_csv(line_id: int):
    line = _line(line_id)
    return _download(downloads.entries_csv(downloads.all_entries(line.id)), CSV,
                     f"boekingen-{line.code}-{_today().isoformat()}.csv")


@bp.get("/regels/<int:line_id>/boekingen.xlsx")
@role_required(*VIEWERS)
def entries_xlsx(line_id: int):
    line = _line(line_id)
    return _download(downloads.entries_xlsx(line, downloads.all_entries(line.id)), XLSX,
                     f"boekingen-{line.code}-{_today().isoformat()}.xlsx")
