"""The public progress figures (issue 17): per budget and line, per scheme, region and sector,
with the trend per month and the list of granted projects, as they stood at the end of a day.

Money comes from the same places finance reads: today's figures are the ledger report's
(grants.budget.report, the balances on the lines, as the finance dashboard and /api/v1/budgets
show them); a past day's are the ledger entries up to the end of that day (Amsterdam time), with
each line's ceiling as its amendments had made it by then. Applications are counted from their
timestamps: received by ``submitted_at``, granted and refused by ``decided_at`` and the state
they are in now (an application whose last decision fell after the day counts as not yet
decided on it). Every count and sum is a GROUP BY in the database; no application is loaded.

Nothing personal leaves here: the granted projects carry the organisation's name, scheme,
region, sector, amount and period only, and refused or pending applications only as counts.

The figures are kept in the process for ``PROGRESS_CACHE_SECONDS`` (by the injected clock), so a
crowd of readers costs one computation per few minutes.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from grants.budget.downloads import to_csv
from grants.budget.report import budget_report
from grants.clock import now
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Bucket,
    Budget,
    BudgetLine,
    CeilingAmendment,
    EntryKind,
    LedgerEntry,
    Organisation,
    Region,
    Scheme,
    Window,
)
from grants.money import cents_to_api
from grants.services.action_book import action_book_rows
from grants.services.monitoring import PHASES
from grants.timefmt import AMSTERDAM

K = EntryKind
# Granted: every state after a grant (monitoring's phases), praktijkleren's settlement included.
GRANTED = PHASES
REFUSED = (ApplicationState.REJECTED,)
# Parliament gets a report twice a year: the previous one is six months before.
REPORT_INTERVAL_MONTHS = 6
# A trend longer than this is cut at its start (twenty years of months).
MOST_MONTHS = 240
REGIONS = tuple(Region)


# -- the figures -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    received: int = 0
    granted: int = 0
    refused: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.received + other.received, self.granted + other.granted,
                      self.refused + other.refused)


@dataclass(frozen=True)
class Money:
    ceiling: int = 0
    reserved: int = 0
    committed: int = 0
    # Paid out, net of what was recovered (as finance's "Betaald").
    paid: int = 0

    @property
    def remaining(self) -> int:
        return self.ceiling - self.reserved - self.committed

    @property
    def used_permille(self) -> int:
        if not self.ceiling:
            return 0
        return (self.reserved + self.committed) * 1000 // self.ceiling

    def __add__(self, other: "Money") -> "Money":
        return Money(self.ceiling + other.ceiling, self.reserved + other.reserved,
                     self.committed + other.committed, self.paid + other.paid)


@dataclass(frozen=True)
class LineRow:
    code: str
    name: str
    window: str | None
    category: str | None
    money: Money
    # The window's applications (a praktijkleren year's categories share them); None for a
    # line without a window.
    counts: Counts | None


@dataclass(frozen=True)
class MonthPoint:
    """The state at the end of a month (or at the report's day, for its last month)."""

    month: date  # its first day
    day: date  # the day the figures are of
    committed: int
    paid: int


@dataclass(frozen=True)
class BudgetRow:
    id: int
    code: str
    name: str
    ministry: str
    scheme: str | None
    scheme_name: str | None
    starts_on: date
    ends_on: date
    money: Money
    counts: Counts | None  # None: a budget without applications (no scheme)
    lines: tuple[LineRow, ...]
    trend: tuple[MonthPoint, ...]


@dataclass(frozen=True)
class GroupRow:
    """A region's or a sector's figures: in all, and per scheme."""

    key: str
    committed: int
    paid: int
    counts: Counts
    granted_amount: int
    per_scheme: tuple["SchemeShare", ...] = ()


@dataclass(frozen=True)
class SchemeShare:
    scheme: str
    scheme_name: str
    committed: int
    paid: int
    counts: Counts
    granted_amount: int


@dataclass(frozen=True, slots=True)
class Project:
    organisation: str
    scheme: str
    scheme_name: str
    region: str
    sector: str | None
    granted: int
    starts_on: date | None
    ends_on: date | None
    window: str
    decided_on: date


@dataclass(frozen=True)
class Progress:
    until: date  # the figures are those at the end of this day
    budgets: tuple[BudgetRow, ...]
    regions: tuple[GroupRow, ...]
    sectors: tuple[GroupRow, ...]
    projects: tuple[Project, ...]
    # The action book's rows (grants.services.action_book.action_book_rows), Dutch labels.
    actions: tuple[dict, ...]
    # When these figures were first seen as they are (for Last-Modified); not compared.
    computed_at: datetime = field(compare=False)

    @property
    def money(self) -> Money:
        return sum((b.money for b in self.budgets), Money())

    @property
    def counts(self) -> Counts:
        return sum((b.counts for b in self.budgets if b.counts), Counts())

    def region(self, name: str) -> GroupRow | None:
        return next((row for row in self.regions if row.key == name), None)

    def sector(self, name: str) -> GroupRow | None:
        return next((row for row in self.sectors if row.key == name), None)

    def budget(self, code: str) -> BudgetRow | None:
        return next((row for row in self.budgets if row.code == code), None)

    @property
    def schemes(self) -> list[tuple[str, str]]:
        return sorted({(b.scheme, b.scheme_name) for b in self.budgets if b.scheme})


# -- moments -----------------------------------------------------------------------------------

def today() -> date:
    return now().astimezone(AMSTERDAM).date()


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Amsterdam: everything before it happened by then."""
    return datetime.combine(day + timedelta(days=1), time(), AMSTERDAM)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier; the month's last day where it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, _last_day(first).day))


def previous_report_day(day: date) -> date:
    return months_before(day, REPORT_INTERVAL_MONTHS)


def _month_starts(first: date, last: date) -> list[date]:
    months = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[-MOST_MONTHS:]


def _month_bucket(column, months: list[date]):
    """The index of the month (in Amsterdam) a timestamp falls in, as SQL: a CASE over the
    months' ends, the same on SQLite (no time zones) and PostgreSQL. Before the first: 0."""
    ends = [end_of_day(_last_day(month)) for month in months]
    return sa.case(*((column < end, index) for index, end in enumerate(ends)),
                   else_=len(months) - 1)


def _last_day(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# -- queries -----------------------------------------------------------------------------------

_SECTOR = Application.details["sector"].as_string()


def _signed_sums():
    reserved = sa.case(
        (LedgerEntry.kind == K.RESERVE, LedgerEntry.amount_cents),
        ((LedgerEntry.kind == K.RELEASE) & (LedgerEntry.bucket == Bucket.RESERVED),
         -LedgerEntry.amount_cents), else_=0)
    committed = sa.case(
        (LedgerEntry.kind == K.COMMIT, LedgerEntry.amount_cents),
        ((LedgerEntry.kind == K.RELEASE) & (LedgerEntry.bucket == Bucket.COMMITTED),
         -LedgerEntry.amount_cents), else_=0)
    paid = sa.case(
        (LedgerEntry.kind == K.DISBURSE, LedgerEntry.amount_cents),
        (LedgerEntry.kind == K.RECOVER, -LedgerEntry.amount_cents), else_=0)
    return sa.func.sum(reserved), sa.func.sum(committed), sa.func.sum(paid)


def _cents(value) -> int:
    # PostgreSQL sums bigints to Decimal; cents are whole numbers either way.
    return int(value or 0)


def _line_money_at(cutoff: datetime) -> dict[int, Money]:
    """Each line's balances from its ledger entries before ``cutoff``, and its ceiling then."""
    sums = {line_id: (r, c, p) for line_id, r, c, p in db.session.execute(
        sa.select(LedgerEntry.line_id, *_signed_sums())
        .where(LedgerEntry.at < cutoff).group_by(LedgerEntry.line_id))}
    ceilings = dict(db.session.execute(sa.select(BudgetLine.id, BudgetLine.ceiling_cents)).all())
    day = (cutoff - timedelta(days=1)).astimezone(AMSTERDAM).date()
    # Undo, newest first, the amendments that took effect after the day.
    for line_id, old in db.session.execute(
            sa.select(CeilingAmendment.line_id, CeilingAmendment.old_ceiling_cents)
            .where(CeilingAmendment.effective_on > day)
            .order_by(CeilingAmendment.id.desc())):
        ceilings[line_id] = old
    return {line_id: Money(ceiling, *(_cents(v) for v in sums.get(line_id, (0, 0, 0))))
            for line_id, ceiling in ceilings.items()}


def _count_columns(cutoff: datetime):
    decided = Application.decided_at < cutoff
    return (
        sa.func.sum(sa.case((Application.submitted_at < cutoff, 1), else_=0)),
        sa.func.sum(sa.case((decided & Application.state.in_(GRANTED), 1), else_=0)),
        sa.func.sum(sa.case((decided & Application.state.in_(REFUSED), 1), else_=0)),
        sa.func.sum(sa.case((decided & Application.state.in_(GRANTED),
                             Application.granted_cents), else_=0)),
    )


def _application_counts(cutoff: datetime):
    """(scheme, window, region, sector) → (counts, amount granted)."""
    found = db.session.execute(
        sa.select(Application.scheme_id, Application.window_id, Application.region, _SECTOR,
                  *_count_columns(cutoff))
        .where(Application.submitted_at < cutoff)
        .group_by(Application.scheme_id, Application.window_id, Application.region, _SECTOR))
    return [(scheme_id, window_id, Region(region).value, sector or None,
             Counts(int(r or 0), int(g or 0), int(x or 0)), _cents(amount))
            for scheme_id, window_id, region, sector, r, g, x, amount in found]


def _money_by_group(cutoff: datetime):
    """(scheme, region, sector) → (committed, paid), from the entries of applications."""
    _reserved, committed, paid = _signed_sums()
    found = db.session.execute(
        sa.select(Application.scheme_id, Application.region, _SECTOR, committed, paid)
        .join(Application, Application.id == LedgerEntry.application_id)
        .where(LedgerEntry.at < cutoff)
        .group_by(Application.scheme_id, Application.region, _SECTOR))
    return [(scheme_id, Region(region).value, sector or None, _cents(c), _cents(p))
            for scheme_id, region, sector, c, p in found]


def _first_activity() -> date | None:
    firsts = [db.session.scalar(sa.select(sa.func.min(LedgerEntry.at))),
              db.session.scalar(sa.select(sa.func.min(Application.submitted_at)))]
    firsts = [moment.astimezone(AMSTERDAM).date() for moment in firsts if moment is not None]
    return min(firsts) if firsts else None


def _trends(cutoff: datetime, until: date) -> dict[int, tuple[MonthPoint, ...]]:
    """Per budget, committed and paid at the end of each month up to ``until``."""
    first = _first_activity()
    if first is None or first > until:
        return {}
    months = _month_starts(first, until)
    bucket = _month_bucket(LedgerEntry.at, months)
    _reserved, committed, paid = _signed_sums()
    per_budget: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for budget_id, index, c, p in db.session.execute(
            sa.select(BudgetLine.budget_id, bucket, committed, paid)
            .join(BudgetLine, BudgetLine.id == LedgerEntry.line_id)
            .where(LedgerEntry.at < cutoff)
            .group_by(BudgetLine.budget_id, bucket)):
        per_budget[budget_id][int(index)] = (_cents(c), _cents(p))
    trends = {}
    for budget_id, by_month in per_budget.items():
        points, total_committed, total_paid = [], 0, 0
        for index, month in enumerate(months):
            c, p = by_month.get(index, (0, 0))
            total_committed += c
            total_paid += p
            points.append(MonthPoint(month, min(_last_day(month), until), total_committed,
                                     total_paid))
        trends[budget_id] = tuple(points)
    return trends


def _projects(cutoff: datetime) -> tuple[Project, ...]:
    found = db.session.execute(
        sa.select(Organisation.name, Scheme.code, Scheme.name, Application.region, _SECTOR,
                  Application.granted_cents, Application.details["starts_on"].as_string(),
                  Application.details["ends_on"].as_string(), Window.name,
                  Application.decided_at)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Scheme, Scheme.id == Application.scheme_id)
        .join(Window, Window.id == Application.window_id)
        .where(Application.state.in_(GRANTED), Application.decided_at < cutoff)
        .order_by(Scheme.code, Organisation.name, Application.id))
    return tuple(Project(
        organisation=name, scheme=code, scheme_name=scheme_name, region=Region(region).value,
        sector=sector or None, granted=granted or 0, starts_on=_day(starts), ends_on=_day(ends),
        window=window, decided_on=decided_at.astimezone(AMSTERDAM).date())
        for name, code, scheme_name, region, sector, granted, starts, ends, window, decided_at
        in found)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- putting them together ---------------------------------------------------------------------

def _group_rows(keys: Iterable[str], counted, money, schemes: dict[int, Scheme]) \
        -> tuple[GroupRow, ...]:
    """``counted``: (key, scheme_id, counts, granted amount); ``money``: (key, scheme_id,
    committed, paid)."""
    shares: dict[str, dict[int, list]] = defaultdict(dict)
    for key, scheme_id, counts, amount in counted:
        share = shares[key].setdefault(scheme_id, [Counts(), 0, 0, 0])
        share[0] += counts
        share[1] += amount
    for key, scheme_id, committed, paid in money:
        share = shares[key].setdefault(scheme_id, [Counts(), 0, 0, 0])
        share[2] += committed
        share[3] += paid
    rows = []
    for key in keys:
        per_scheme = tuple(
            SchemeShare(schemes[s].code, schemes[s].name, committed=v[2], paid=v[3],
                        counts=v[0], granted_amount=v[1])
            for s, v in sorted(shares[key].items(), key=lambda item: schemes[item[0]].code))
        rows.append(GroupRow(
            key, committed=sum(s.committed for s in per_scheme),
            paid=sum(s.paid for s in per_scheme),
            counts=sum((s.counts for s in per_scheme), Counts()),
            granted_amount=sum(s.granted_amount for s in per_scheme), per_scheme=per_scheme))
    return tuple(rows)


def compute_progress(until: date | None = None) -> Progress:
    """The figures at the end of ``until`` (default: today, with today's balances)."""
    current = today()
    day = current if until is None else until
    cutoff = end_of_day(day)
    budgets = list(db.session.scalars(
        sa.select(Budget).order_by(Budget.id)
        .options(selectinload(Budget.scheme),
                 selectinload(Budget.lines).selectinload(BudgetLine.window))))
    schemes = {s.id: s for s in db.session.scalars(sa.select(Scheme))}

    if until is None:
        # Today's figures are the ledger report's, as finance and the API show them.
        report = {figures.id: figures for figures in budget_report()}
        line_money = {line.id: Money(line.ceiling, line.reserved, line.committed,
                                     line.disbursed)
                      for figures in report.values() for line in figures.lines}
    else:
        line_money = _line_money_at(cutoff)

    counted = _application_counts(cutoff)
    per_scheme: dict[int, Counts] = defaultdict(Counts)
    per_window: dict[int, Counts] = defaultdict(Counts)
    for scheme_id, window_id, _region, _sector, counts, _amount in counted:
        per_scheme[scheme_id] += counts
        per_window[window_id] += counts

    trends = _trends(cutoff, day)
    rows = []
    for budget in budgets:
        lines = tuple(LineRow(
            code=line.code, name=line.name, window=line.window.code if line.window else None,
            category=line.category.value if line.category else None,
            money=line_money.get(line.id, Money(line.ceiling_cents)),
            counts=per_window.get(line.window_id, Counts()) if line.window_id else None)
            for line in budget.lines)
        money = sum((line.money for line in lines), Money())
        rows.append(BudgetRow(
            id=budget.id, code=budget.code, name=budget.name, ministry=budget.ministry.value,
            scheme=budget.scheme.code if budget.scheme else None,
            scheme_name=budget.scheme.name if budget.scheme else None,
            starts_on=budget.starts_on, ends_on=budget.ends_on,
            # The budget's own ceiling: part of it may not be divided over lines yet.
            money=replace(money, ceiling=budget.ceiling_cents),
            counts=per_scheme.get(budget.scheme_id, Counts()) if budget.scheme_id else None,
            lines=lines, trend=trends.get(budget.id, ())))

    money_rows = _money_by_group(cutoff)
    regions = _group_rows(
        (region.value for region in REGIONS),
        ((region, scheme_id, counts, amount)
         for scheme_id, _w, region, _s, counts, amount in counted),
        ((region, scheme_id, c, p) for scheme_id, region, _s, c, p in money_rows), schemes)
    sector_names = sorted({row[3] for row in counted if row[3]} |
                          {row[2] for row in money_rows if row[2]})
    sectors = _group_rows(
        sector_names,
        ((sector, scheme_id, counts, amount)
         for scheme_id, _w, _r, sector, counts, amount in counted if sector),
        ((sector, scheme_id, c, p) for scheme_id, _r, sector, c, p in money_rows if sector),
        schemes)
    # The files and the report are the same in every language: their labels are Dutch.
    with force_locale("nl"):
        actions = tuple(action_book_rows(day))
    return Progress(until=day, budgets=tuple(rows), regions=regions, sectors=sectors,
                    projects=_projects(cutoff), actions=actions, computed_at=now())


# -- the cache ---------------------------------------------------------------------------------

_lock = threading.Lock()
# Report days asked for besides today: kept too, a few at most.
MOST_CACHED = 8


@dataclass
class _Held:
    figures: Progress
    checked_at: datetime
    extras: dict = field(default_factory=dict)


def _cache() -> dict:
    return current_app.extensions.setdefault("progress_cache", {})


def clear_cache() -> None:
    with _lock:
        _cache().clear()


def _key(until: date | None) -> tuple:
    if until is not None and until >= today():
        until = None
    # Today's figures are today's: at midnight they are those of another day.
    return (until, today() if until is None else None)


def _held(until: date | None) -> _Held:
    key = _key(until)
    moment = now()
    seconds = current_app.config.get("PROGRESS_CACHE_SECONDS", 300)
    with _lock:
        held = _cache().get(key)
    if held is not None and timedelta(0) <= moment - held.checked_at < \
            timedelta(seconds=seconds):
        return held
    fresh = compute_progress(key[0])
    with _lock:
        cache = _cache()
        if held is not None and held.figures == fresh:
            # Unchanged: kept as it was, with the moment it was first seen (Last-Modified) and
            # the files made from it.
            held.checked_at = moment
            return held
        others = [k for k in cache if k != key]
        for old in others[:max(0, len(others) - MOST_CACHED + 1)]:
            cache.pop(old, None)
        cache[key] = held = _Held(fresh, moment)
    return held


def progress(until: date | None = None) -> Progress:
    """The figures at the end of ``until`` (today or later, or None: now), computed at most
    PROGRESS_CACHE_SECONDS ago."""
    return _held(until).figures


def cached_extra(name: str, until: date | None, build):
    """Something made from the figures (a rendered file), kept as long as they are unchanged."""
    held = _held(until)
    with _lock:
        if name in held.extras:
            return held.extras[name]
    value = build(held.figures)
    with _lock:
        held.extras.setdefault(name, value)
    return value


# -- open data ---------------------------------------------------------------------------------

LICENCE = "CC0-1.0"
LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
# The CSV's columns, one table for every kind of record (record_type says which); the JSON
# uses the same names. Documented on /voortgang/data: change them only with that page.
CSV_FIELDS = (
    "record_type", "until", "budget_code", "line_code", "name", "scheme", "window", "category",
    "region", "sector", "organisation", "ceiling", "reserved", "committed", "paid", "remaining",
    "received", "granted", "refused", "granted_amount", "starts_on", "ends_on", "decided_on",
    "action_id", "theme", "kind", "status", "parties", "funded_by", "steps_total", "steps_done",
    "steps_overdue", "next_due_on", "is_example", "url",
)
# An action's fields in the CSV: its title is the row's name; lists are joined by "; ".
ACTION_LIST_SEPARATOR = "; "


def euro_text(cents: int | None) -> str | None:
    """Money in the files: the exact amount in euros as a decimal string, "1234567.89"."""
    return cents_to_api(cents)


def _money_fields(money: Money) -> dict:
    return {"ceiling": euro_text(money.ceiling), "reserved": euro_text(money.reserved),
            "committed": euro_text(money.committed), "paid": euro_text(money.paid),
            "remaining": euro_text(money.remaining)}


def _count_fields(counts: Counts | None) -> dict:
    if counts is None:
        return {"received": None, "granted": None, "refused": None}
    return {"received": counts.received, "granted": counts.granted, "refused": counts.refused}


def _group_fields(row: GroupRow) -> dict:
    return {"committed": euro_text(row.committed), "paid": euro_text(row.paid),
            **_count_fields(row.counts), "granted_amount": euro_text(row.granted_amount),
            "schemes": [{"scheme": s.scheme, "committed": euro_text(s.committed),
                         "paid": euro_text(s.paid), **_count_fields(s.counts),
                         "granted_amount": euro_text(s.granted_amount)}
                        for s in row.per_scheme]}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def project_fields(project: Project) -> dict:
    return {"organisation": project.organisation, "scheme": project.scheme,
            "window": project.window, "region": project.region, "sector": project.sector,
            "granted_amount": euro_text(project.granted), "starts_on": _iso(project.starts_on),
            "ends_on": _iso(project.ends_on), "decided_on": _iso(project.decided_on)}


def as_json(figures: Progress) -> dict:
    return {
        "until": figures.until.isoformat(),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "totals": {**_money_fields(figures.money), **_count_fields(figures.counts)},
        "budgets": [{
            "code": budget.code, "name": budget.name, "ministry": budget.ministry,
            "scheme": budget.scheme, "starts_on": _iso(budget.starts_on),
            "ends_on": _iso(budget.ends_on), **_money_fields(budget.money),
            **_count_fields(budget.counts),
            "lines": [{"code": line.code, "name": line.name, "window": line.window,
                       "category": line.category, **_money_fields(line.money),
                       **_count_fields(line.counts)} for line in budget.lines],
            "trend": [{"month": point.month.strftime("%Y-%m"), "until": _iso(point.day),
                       "committed": euro_text(point.committed), "paid": euro_text(point.paid)}
                      for point in budget.trend],
        } for budget in figures.budgets],
        "regions": [{"region": row.key, **_group_fields(row)} for row in figures.regions],
        "sectors": [{"sector": row.key, **_group_fields(row)} for row in figures.sectors],
        "projects": [project_fields(project) for project in figures.projects],
        "actions": [dict(action) for action in figures.actions],
    }


def csv_rows(figures: Progress) -> Iterable[list]:
    until = figures.until.isoformat()

    def row(**values) -> list:
        return [values.get(name) for name in CSV_FIELDS]

    yield row(record_type="total", until=until, name="Techniekpact",
              **_money_fields(figures.money), **_count_fields(figures.counts))
    for budget in figures.budgets:
        yield row(record_type="budget", until=until, budget_code=budget.code, name=budget.name,
                  scheme=budget.scheme, starts_on=_iso(budget.starts_on),
                  ends_on=_iso(budget.ends_on), **_money_fields(budget.money),
                  **_count_fields(budget.counts))
        for line in budget.lines:
            yield row(record_type="line", until=until, budget_code=budget.code,
                      line_code=line.code, name=line.name, scheme=budget.scheme,
                      window=line.window, category=line.category, **_money_fields(line.money),
                      **_count_fields(line.counts))
    for kind, rows in (("region", figures.regions), ("sector", figures.sectors)):
        for group in rows:
            fields = {k: v for k, v in _group_fields(group).items() if k != "schemes"}
            yield row(record_type=kind, until=until, name=group.key, **{kind: group.key},
                      **fields)
            for share in group.per_scheme:
                yield row(record_type=f"{kind}_scheme", until=until, name=group.key,
                          scheme=share.scheme, **{kind: group.key},
                          committed=euro_text(share.committed), paid=euro_text(share.paid),
                          **_count_fields(share.counts),
                          granted_amount=euro_text(share.granted_amount))
    for project in figures.projects:
        yield row(record_type="project", until=until, **project_fields(project))
    for action in figures.actions:
        yield row(record_type="action", until=until, action_id=action["id"],
                  name=action["title"], theme=action["theme"], kind=action["kind"],
                  region=action["region"], status=action["status"],
                  parties=ACTION_LIST_SEPARATOR.join(action["parties"]),
                  funded_by=ACTION_LIST_SEPARATOR.join(action["funded_by"]),
                  steps_total=action["steps_total"], steps_done=action["steps_done"],
                  steps_overdue=action["steps_overdue"], next_due_on=action["next_due_on"],
                  is_example="true" if action["is_example"] else "false", url=action["url"])
        for evidence in action["evidence"]:
            yield row(record_type="action_evidence", until=until, action_id=action["id"],
                      name=evidence["title"], url=evidence["url"])


def as_csv(figures: Progress) -> str:
    return to_csv(CSV_FIELDS, csv_rows(figures))
