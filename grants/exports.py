"""The analysis export: a denormalised SQLite database (sqlite-utils) to browse in Datasette.

Everything is read through the session, so the source may be SQLite or PostgreSQL; large tables
are read in batches (``yield_per``) and written in batches (``insert_all(batch_size=…)``), so
neither side holds a whole table in memory. Money stays in integer cents (``*_cents``),
moments and days are ISO 8601 text (moments in UTC).

The file is built under a temporary name beside the target and moved into place only when it is
complete: a failed export leaves no half-written file, and an existing file is never touched
unless ``replace`` is given.
"""

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import sqlite_utils
from sqlalchemy.orm import aliased

from grants.budget.report import budget_report
from grants.extensions import db
from grants.models import (
    Application,
    AuditEvent,
    Bucket,
    Budget,
    BudgetLine,
    EntryKind,
    LedgerEntry,
    Organisation,
    Scheme,
    User,
    Window,
)
from grants.workflows.common import DECISIONS

BATCH_SIZE = 2_000
# The audit rows that are decisions (besluiten): the ones an objection can be lodged against,
# and the decision on an objection itself.
DECISION_TRIGGERS = (*DECISIONS, "decide_objection")
# Tables at least this long get a progress bar (on stderr, from the CLI).
PROGRESS_FROM = 10_000

# progress(label, length) -> a context manager whose value has update(n).
Progress = Callable[[str, int], AbstractContextManager]


class ExportRefused(Exception):
    """The target exists and replacing it was not asked for."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    counts: dict[str, int]


class _Silent:
    def update(self, n: int) -> None:
        pass


def no_progress(label: str, length: int) -> AbstractContextManager:
    return nullcontext(_Silent())


def click_progress(label: str, length: int) -> AbstractContextManager:
    """A progress bar on stderr for the long tables; nothing for the short ones."""
    import sys

    import click

    if length < PROGRESS_FROM:
        return no_progress(label, length)
    return click.progressbar(length=length, label=f"{label:<14}", file=sys.stderr,
                             show_pos=True)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _value(enum) -> str | None:
    return enum.value if enum is not None else None


def _cents(value) -> int:
    # SUM(bigint) is numeric on PostgreSQL; cents are integers on both sides.
    return int(value or 0)


def _stream(stmt, convert, batch_size: int) -> Iterator[dict]:
    result = db.session.execute(stmt.execution_options(yield_per=batch_size))
    for row in result:
        yield convert(row)


def _counting(rows: Iterable[dict], bar, every: int) -> Iterator[dict]:
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == every:
            bar.update(pending)
            pending = 0
    if pending:
        bar.update(pending)


# -- what is read ---------------------------------------------------------------------------

def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _ledger_sums():
    """Per application what it holds on the ledger: reserved, committed, paid (all lines)."""
    amount, kind, bucket = LedgerEntry.amount_cents, LedgerEntry.kind, LedgerEntry.bucket

    def total(*cases):
        return sa.cast(sa.func.sum(sa.case(*cases, else_=0)), sa.BigInteger)

    release = kind == EntryKind.RELEASE
    return (
        sa.select(
            LedgerEntry.application_id,
            total((kind == EntryKind.RESERVE, amount),
                  (release & (bucket == Bucket.RESERVED), -amount)).label("reserved"),
            total((kind == EntryKind.COMMIT, amount),
                  (release & (bucket == Bucket.COMMITTED), -amount)).label("committed"),
            total((kind == EntryKind.DISBURSE, amount),
                  (kind == EntryKind.RECOVER, -amount)).label("paid"),
        )
        .where(LedgerEntry.application_id.is_not(None))
        .group_by(LedgerEntry.application_id)
        .subquery("ledger_sums"))


APPLICATION_COLUMNS = (
    "id", "reference", "region", "state", "title", "requested_cents", "granted_cents",
    "settled_cents", "submitted_at", "complete_at", "decision_due_on", "decided_at",
    "objection_due_on", "created_at")


def _applications_query():
    sums = _ledger_sums()
    return (
        sa.select(*(getattr(Application, name) for name in APPLICATION_COLUMNS),
                  Scheme.code.label("scheme_code"), Scheme.name.label("scheme_name"),
                  Window.code.label("window_code"),
                  Organisation.name.label("organisation_name"),
                  Organisation.kvk.label("organisation_kvk"),
                  Organisation.kind.label("organisation_kind"),
                  sums.c.reserved, sums.c.committed, sums.c.paid)
        .join(Scheme, Application.scheme_id == Scheme.id)
        .join(Window, Application.window_id == Window.id)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .outerjoin(sums, sums.c.application_id == Application.id)
        .order_by(Application.id))


def _application_row(row) -> dict:
    return {
        "id": row.id, "reference": row.reference,
        "scheme_code": row.scheme_code, "scheme_name": row.scheme_name,
        "window_code": row.window_code,
        "organisation_name": row.organisation_name, "organisation_kvk": row.organisation_kvk,
        "organisation_kind": _value(row.organisation_kind),
        "region": _value(row.region), "state": _value(row.state), "title": row.title,
        "requested_cents": row.requested_cents, "granted_cents": row.granted_cents,
        "settled_cents": row.settled_cents,
        "reserved_cents": _cents(row.reserved), "committed_cents": _cents(row.committed),
        "paid_cents": _cents(row.paid),
        "submitted_at": _iso(row.submitted_at), "complete_at": _iso(row.complete_at),
        "decision_due_on": _iso(row.decision_due_on), "decided_at": _iso(row.decided_at),
        "objection_due_on": _iso(row.objection_due_on), "created_at": _iso(row.created_at),
    }


def _audit_query(triggers: tuple[str, ...] | None = None):
    actor = aliased(User)
    stmt = (
        sa.select(AuditEvent.id, AuditEvent.application_id, Application.reference,
                  AuditEvent.trigger, AuditEvent.from_state, AuditEvent.to_state,
                  actor.name.label("actor"), AuditEvent.at, AuditEvent.reason, AuditEvent.data)
        .join(Application, AuditEvent.application_id == Application.id)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .order_by(AuditEvent.id))
    if triggers is not None:
        stmt = stmt.where(AuditEvent.trigger.in_(triggers))
    return stmt


def _audit_row(row) -> dict:
    return {
        "id": row.id, "application_id": row.application_id, "reference": row.reference,
        "trigger": row.trigger, "from_state": _value(row.from_state),
        "to_state": _value(row.to_state), "actor": row.actor, "at": _iso(row.at),
        "reason": row.reason, "data": row.data or {},
    }


def _decision_row(row) -> dict:
    data = row.data or {}
    amount = data.get("amount_cents")
    return {
        "id": row.id, "application_id": row.application_id, "reference": row.reference,
        "trigger": row.trigger, "from_state": _value(row.from_state),
        "to_state": _value(row.to_state), "actor": row.actor, "at": _iso(row.at),
        "reason": row.reason,
        "amount_cents": int(amount) if amount is not None else None,
        "recovered_cents": data.get("recovered_cents"),
        "outcome": data.get("outcome"),
    }


def _ledger_query():
    actor = aliased(User)
    return (
        sa.select(LedgerEntry.id, LedgerEntry.line_id, BudgetLine.code.label("line_code"),
                  Budget.code.label("budget_code"), LedgerEntry.application_id,
                  Application.reference.label("application_reference"), LedgerEntry.kind,
                  LedgerEntry.bucket, LedgerEntry.amount_cents, actor.name.label("actor"),
                  LedgerEntry.at, LedgerEntry.cause, LedgerEntry.reason)
        .join(BudgetLine, LedgerEntry.line_id == BudgetLine.id)
        .join(Budget, BudgetLine.budget_id == Budget.id)
        .outerjoin(Application, LedgerEntry.application_id == Application.id)
        .outerjoin(actor, LedgerEntry.actor_id == actor.id)
        .order_by(LedgerEntry.id))


def _ledger_row(row) -> dict:
    return {
        "id": row.id, "line_id": row.line_id, "line_code": row.line_code,
        "budget_code": row.budget_code, "application_id": row.application_id,
        "application_reference": row.application_reference, "kind": _value(row.kind),
        "bucket": _value(row.bucket), "amount_cents": row.amount_cents, "actor": row.actor,
        "at": _iso(row.at), "cause": row.cause, "reason": row.reason,
    }


def _figures(figures) -> dict:
    return {
        "ceiling_cents": figures.ceiling, "reserved_cents": figures.reserved,
        "committed_cents": figures.committed, "disbursed_cents": figures.disbursed,
        "recovered_cents": figures.recovered, "remaining_cents": figures.remaining,
        "used_permille": figures.used_permille,
    }


# -- what is written ------------------------------------------------------------------------

FIGURES = {"ceiling_cents": int, "reserved_cents": int, "committed_cents": int,
           "disbursed_cents": int, "recovered_cents": int, "remaining_cents": int,
           "used_permille": int}

TABLES = {
    "budgets": dict(
        columns={"id": int, "code": str, "name": str, "ministry": str, "scheme_code": str,
                 **FIGURES, "unallocated_cents": int},
        indexes=[(["code"], True)]),
    "budget_lines": dict(
        columns={"id": int, "budget_id": int, "budget_code": str, "code": str, "name": str,
                 "window_code": str, "category": str, **FIGURES},
        foreign_keys=[("budget_id", "budgets", "id")],
        indexes=[(["budget_id"], False), (["budget_code", "code"], True)]),
    "applications": dict(
        columns={"id": int, "reference": str, "scheme_code": str, "scheme_name": str,
                 "window_code": str, "organisation_name": str, "organisation_kvk": str,
                 "organisation_kind": str, "region": str, "state": str, "title": str,
                 "requested_cents": int, "granted_cents": int, "settled_cents": int,
                 "reserved_cents": int, "committed_cents": int, "paid_cents": int,
                 "submitted_at": str, "complete_at": str, "decision_due_on": str,
                 "decided_at": str, "objection_due_on": str, "created_at": str},
        not_null={"reference", "title", "state", "requested_cents"},
        indexes=[(["reference"], True), (["scheme_code", "window_code"], False),
                 (["state"], False), (["organisation_kvk"], False)]),
    "audit_events": dict(
        columns={"id": int, "application_id": int, "reference": str, "trigger": str,
                 "from_state": str, "to_state": str, "actor": str, "at": str, "reason": str,
                 "data": dict},
        foreign_keys=[("application_id", "applications", "id")],
        indexes=[(["application_id"], False), (["reference"], False), (["trigger"], False)]),
    "decisions": dict(
        columns={"id": int, "application_id": int, "reference": str, "trigger": str,
                 "from_state": str, "to_state": str, "actor": str, "at": str, "reason": str,
                 "amount_cents": int, "recovered_cents": int, "outcome": str},
        foreign_keys=[("id", "audit_events", "id"), ("application_id", "applications", "id")],
        indexes=[(["application_id"], False), (["reference"], False), (["trigger"], False)]),
    "ledger": dict(
        columns={"id": int, "line_id": int, "line_code": str, "budget_code": str,
                 "application_id": int, "application_reference": str, "kind": str,
                 "bucket": str, "amount_cents": int, "actor": str, "at": str, "cause": str,
                 "reason": str},
        not_null={"amount_cents", "kind"},
        foreign_keys=[("line_id", "budget_lines", "id"),
                      ("application_id", "applications", "id")],
        indexes=[(["line_id"], False), (["application_id"], False),
                 (["application_reference"], False), (["budget_code", "line_code"], False),
                 (["kind"], False)]),
}


def _create_tables(out: sqlite_utils.Database) -> None:
    for name, spec in TABLES.items():
        out[name].create(spec["columns"], pk="id", foreign_keys=spec.get("foreign_keys"),
                         not_null=spec.get("not_null"))


def _create_indexes(out: sqlite_utils.Database) -> None:
    for name, spec in TABLES.items():
        for columns, unique in spec["indexes"]:
            out[name].create_index(columns, unique=unique)


def _write(out: sqlite_utils.Database, name: str, rows: Iterable[dict], length: int,
           progress: Progress, batch_size: int) -> None:
    with progress(name, length) as bar:
        out[name].insert_all(_counting(rows, bar, batch_size), batch_size=batch_size)


def _fill(out: sqlite_utils.Database, progress: Progress, batch_size: int) -> None:
    report = budget_report()
    budgets = [{"id": b.id, "code": b.code, "name": b.name, "ministry": b.ministry,
                "scheme_code": b.scheme, **_figures(b), "unallocated_cents": b.unallocated}
               for b in report]
    lines = [{"id": line.id, "budget_id": b.id, "budget_code": b.code, "code": line.code,
              "name": line.name, "window_code": line.window, "category": line.category,
              **_figures(line)}
             for b in report for line in b.lines]
    _write(out, "budgets", budgets, len(budgets), progress, batch_size)
    _write(out, "budget_lines", lines, len(lines), progress, batch_size)

    # The joins follow foreign keys that are never null: each table has its source's rows.
    streams = (
        ("applications", _applications_query(), _application_row, _count(Application)),
        ("audit_events", _audit_query(), _audit_row, _count(AuditEvent)),
        ("decisions", _audit_query(DECISION_TRIGGERS), _decision_row,
         _count(AuditEvent, AuditEvent.trigger.in_(DECISION_TRIGGERS))),
        ("ledger", _ledger_query(), _ledger_row, _count(LedgerEntry)),
    )
    for name, stmt, convert, length in streams:
        _write(out, name, _stream(stmt, convert, batch_size), length, progress, batch_size)


def _begin_snapshot() -> None:
    """On PostgreSQL read every table from one snapshot, so the tables agree with each other.

    Only when the export starts the transaction on a connection of its own; inside a caller's
    transaction (a test's) the caller's isolation stands. SQLite's transaction is a snapshot.
    """
    session = db.session()
    if session.in_transaction():
        return
    bind = session.get_bind()
    if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _place(temporary: Path, path: Path, replace: bool) -> None:
    if replace:
        os.replace(temporary, path)
        return
    try:
        # A hard link never overwrites: a file that appeared meanwhile is still refused.
        os.link(temporary, path)
    except FileExistsError:
        raise ExportRefused(path) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise ExportRefused(path) from None
        os.replace(temporary, path)
    else:
        os.unlink(temporary)


def export_sqlite(path: str | os.PathLike, *, replace: bool = False,
                  progress: Progress = no_progress, batch_size: int = BATCH_SIZE
                  ) -> ExportResult:
    """Write the analysis database to ``path``; refuses an existing file unless ``replace``."""
    path = Path(path)
    if path.exists() and not replace:
        raise ExportRefused(path)
    _begin_snapshot()
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                        dir=path.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        with sqlite_utils.Database(temporary) as out:
            with out.atomic():
                _create_tables(out)
                _fill(out, progress, batch_size)
                _create_indexes(out)
            out["applications"].enable_fts(["title"], create_triggers=True)
            counts = {table: out[table].count for table in TABLES}
        _place(temporary, path, replace)
    finally:
        temporary.unlink(missing_ok=True)
    return ExportResult(path=path, counts=counts)
