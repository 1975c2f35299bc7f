"""Posting to the ledger: one entry and its line's balance, changed together or not at all.

The balance update is a single conditional UPDATE (``… WHERE committed + amount <= ceiling``):
the database evaluates the condition under the row's write lock, so two approvals racing for
the last euros of a line cannot both pass, on PostgreSQL (the second re-checks after the first
commits) or on SQLite (writers are serialised). The CHECK constraints on ``budget_lines`` are the
last line of defence behind it.

Many reservations, commitments and payments taken together (an allocation run's decisions, a
payment run's transfers) may be booked together: within ``deferred()`` they are gathered and
booked per line by their total, under the same condition, before anything can read the ledger.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from grants.database import UTCDateTime
from grants.errors import ValidationFailed
from grants.extensions import db
from grants.models import Application, Bucket, BudgetLine, EntryKind, LedgerEntry, User
from grants.money import format_eur

L = BudgetLine
K = EntryKind
# A line's balances, as an UPDATE returns them (_set_balances).
BALANCES = (L.reserved_cents, L.committed_cents, L.disbursed_cents, L.recovered_cents)


class CeilingReached(ValidationFailed):
    """Awb 4:25: refused insofar as granting would exceed the ceiling."""

    def __init__(self, line: BudgetLine, amount_cents: int):
        remaining = format_eur(line.remaining_cents)
        super().__init__(
            f"Subsidieplafond bereikt: {remaining} resterend.",
            {"amount": [f"Er is {remaining} over op {line.name}; gevraagd is "
                        f"{format_eur(amount_cents)}."]})
        self.remaining_cents = line.remaining_cents


@dataclass(frozen=True)
class Balance:
    """What one application holds on one line (or on all its lines)."""

    reserved: int = 0
    committed: int = 0
    disbursed: int = 0
    recovered: int = 0

    @property
    def paid(self) -> int:
        return self.disbursed - self.recovered


def application_balance(application_id: int, line_id: int | None = None) -> Balance:
    known = db.session.info.get(KNOWN)
    if known is not None and application_id in known.applications:
        return known.balance(application_id, line_id)  # what was gathered counts there too
    book_deferred()  # what was gathered counts
    signed, bucket = _signed_by_bucket()
    stmt = (sa.select(bucket, sa.func.sum(signed))
            .where(LedgerEntry.application_id == application_id).group_by(bucket))
    if line_id is not None:
        stmt = stmt.where(LedgerEntry.line_id == line_id)
    # PostgreSQL sums bigints as numeric (Decimal); cents are whole numbers either way.
    return _balance({bucket: int(total or 0) for bucket, total in db.session.execute(stmt)})


def application_balances(application_ids: sa.Select) -> dict[int, Balance]:
    """``application_balance`` of each application ``application_ids`` selects, all lines, in
    one query; an application without entries is left out (its balance is all zero)."""
    book_deferred()
    signed, bucket = _signed_by_bucket()
    sums: dict[int, dict[str, int]] = {}
    for application_id, bucket_name, total in db.session.execute(
            sa.select(LedgerEntry.application_id, bucket, sa.func.sum(signed))
            .where(LedgerEntry.application_id.in_(application_ids))
            .group_by(LedgerEntry.application_id, bucket)):
        sums.setdefault(application_id, {})[bucket_name] = int(total or 0)
    return {application_id: _balance(found) for application_id, found in sums.items()}


KNOWN = "grants.budget.known_balances"  # _Known: the balances balances_known read


@dataclass
class _Known:
    applications: set[int]
    # Per application and line, the signed sum per bucket (as _signed_by_bucket counts).
    sums: dict[int, dict[int, dict[str, int]]]

    def balance(self, application_id: int, line_id: int | None) -> Balance:
        lines = self.sums.get(application_id, {})
        if line_id is not None:
            return _balance(lines.get(line_id, {}))
        total: dict[str, int] = {}
        for sums in lines.values():
            for name, amount in sums.items():
                total[name] = total.get(name, 0) + amount
        return _balance(total)

    def booked(self, application_id: int | None, line_id: int, kind: EntryKind,
               bucket: Bucket | None, amount_cents: int) -> None:
        if application_id not in self.applications:
            return
        name = {K.RELEASE: bucket, K.RESERVE: Bucket.RESERVED.value,
                K.COMMIT: Bucket.COMMITTED.value}.get(kind, kind.value)
        sums = self.sums.setdefault(application_id, {}).setdefault(line_id, {})
        sums[name] = sums.get(name, 0) + (-amount_cents if kind == K.RELEASE else amount_cents)


@contextmanager
def balances_known(application_ids: sa.Select) -> Iterator[None]:
    """Within the block ``application_balance`` of each application ``application_ids``
    selects is answered from one read at its start, which every booking of the session keeps
    up to date: a payment run pays thousands of applications, each firing asking its balance
    several times (guards, effects, ``post``'s check).

    Only for applications the caller holds locked until its transaction ends: every booking on
    an application is made under its lock (by the engine; bookings by hand have none), so no
    one else changes what was read. A query inside the block still sees the ledger itself."""
    session = db.session
    if KNOWN in session.info:
        yield  # already known: the outer block keeps it
        return
    book_deferred()
    signed, bucket = _signed_by_bucket()
    known = _Known(set(session.scalars(application_ids)), {})
    for application_id, line_id, bucket_name, total in session.execute(
            sa.select(LedgerEntry.application_id, LedgerEntry.line_id, bucket,
                      sa.func.sum(signed))
            .where(LedgerEntry.application_id.in_(application_ids))
            .group_by(LedgerEntry.application_id, LedgerEntry.line_id, bucket)):
        known.sums.setdefault(application_id, {}).setdefault(line_id, {})[bucket_name] = \
            int(total or 0)
    session.info[KNOWN] = known
    try:
        yield
    finally:
        session.info.pop(KNOWN, None)


def _signed_by_bucket():
    """An entry's amount as it counts (a release takes away) and the bucket it counts in."""
    signed = sa.case(
        (LedgerEntry.kind == K.RELEASE, -LedgerEntry.amount_cents),
        else_=LedgerEntry.amount_cents)
    bucket = sa.case(
        (LedgerEntry.kind == K.RELEASE, LedgerEntry.bucket),
        (LedgerEntry.kind == K.RESERVE, Bucket.RESERVED.value),
        (LedgerEntry.kind == K.COMMIT, Bucket.COMMITTED.value),
        else_=LedgerEntry.kind)
    return signed, bucket


def _balance(sums: dict[str, int]) -> Balance:
    return Balance(reserved=sums.get("reserved", 0), committed=sums.get("committed", 0),
                   disbursed=sums.get("disburse", 0), recovered=sums.get("recover", 0))


def _refuse(message: str, field: str = "amount"):
    raise ValidationFailed(message, {field: [message]})


def _check_application(kind: EntryKind, bucket: Bucket | None, amount: int,
                       held: Balance) -> None:
    if kind == K.RELEASE and bucket == Bucket.RESERVED and amount > held.reserved:
        _refuse(f"Er is voor deze aanvraag maar {format_eur(held.reserved)} gereserveerd.")
    if kind == K.RELEASE and bucket == Bucket.COMMITTED and held.committed - amount < held.paid:
        _refuse("Er kan niet meer worden vrijgegeven dan er na betaling verplicht blijft "
                f"({format_eur(held.committed - held.paid)}).")
    if kind == K.DISBURSE and held.paid + amount > held.committed:
        _refuse(f"Er kan nog {format_eur(held.committed - held.paid)} worden betaald; "
                f"gevraagd is {format_eur(amount)}.")
    if kind == K.RECOVER and amount > held.paid:
        _refuse(f"Er is {format_eur(held.paid)} betaald; meer kan niet worden teruggevorderd.")


def _balance_update(kind: EntryKind, bucket: Bucket | None, amount: int):
    """The line's new balance and the condition under which the line can take it."""
    if kind in (K.RESERVE, K.COMMIT):
        column = L.reserved_cents if kind == K.RESERVE else L.committed_cents
        room = L.reserved_cents + L.committed_cents + amount <= L.ceiling_cents
        return {column: column + amount}, room
    if kind == K.RELEASE and bucket == Bucket.RESERVED:
        return {L.reserved_cents: L.reserved_cents - amount}, L.reserved_cents >= amount
    if kind == K.RELEASE:
        room = L.committed_cents - amount >= L.disbursed_cents - L.recovered_cents
        return {L.committed_cents: L.committed_cents - amount}, room
    if kind == K.DISBURSE:
        room = L.disbursed_cents - L.recovered_cents + amount <= L.committed_cents
        return {L.disbursed_cents: L.disbursed_cents + amount}, room
    room = L.recovered_cents + amount <= L.disbursed_cents
    return {L.recovered_cents: L.recovered_cents + amount}, room


def post(line: BudgetLine, kind: EntryKind, amount_cents: int, *, actor: User | None,
         now: datetime, cause: str, application: Application | None = None,
         bucket: Bucket | None = None, reason: str = "") -> LedgerEntry | None:
    """Book one entry; refuses (422, nothing changed) what would break a ceiling or a balance.

    Within ``deferred()`` a reservation or commitment is gathered instead (and None returned).
    """
    if amount_cents <= 0:
        _refuse("Een boeking is een positief bedrag.")
    if (kind == K.RELEASE) != (bucket is not None):
        raise ValueError("a release says what it releases; nothing else does")
    # What an application already holds limits neither a reservation nor a commitment.
    if application is not None and kind not in (K.RESERVE, K.COMMIT):
        _check_application(kind, bucket, amount_cents,
                           application_balance(application.id, line.id))
    gathered = db.session.info.get(DEFERRED)
    if gathered is not None and kind in GATHERED_COLUMN:
        gathered.append(_Gathered(line, kind, amount_cents, actor.id if actor else None, now,
                                  cause, application.id if application else None, reason))
        _known_booked(application.id if application else None, line.id, kind, None,
                      amount_cents)
        return None
    book_deferred()  # this booking comes after what was gathered before it

    values, room = _balance_update(kind, bucket, amount_cents)
    row = db.session.execute(
        sa.update(BudgetLine).where(BudgetLine.id == line.id, room).values(values)
        .returning(*BALANCES).execution_options(synchronize_session=False)).one_or_none()
    if row is not None:
        _set_balances(line, row)
    else:
        db.session.refresh(line)  # the refusal names what is left
        if kind in (K.RESERVE, K.COMMIT):
            raise CeilingReached(line, amount_cents)
        _refuse(f"De regel {line.name} laat deze boeking niet toe.")

    entry = LedgerEntry(line_id=line.id, application_id=application.id if application else None,
                        kind=kind, bucket=bucket, amount_cents=amount_cents,
                        actor_id=actor.id if actor else None, at=now, cause=cause,
                        reason=reason)
    db.session.add(entry)
    db.session.flush()
    _known_booked(entry.application_id, line.id, kind, bucket, amount_cents)
    return entry


def _known_booked(application_id: int | None, line_id: int, kind: EntryKind,
                  bucket: Bucket | None, amount_cents: int) -> None:
    known = db.session.info.get(KNOWN)
    if known is not None:
        known.booked(application_id, line_id, kind, bucket, amount_cents)


# -- booking together -------------------------------------------------------------------------

DEFERRED = "grants.budget.deferred"  # the bookings gathered, in order
# What deferred() gathers, and the balance a booking of each kind raises.
GATHERED_COLUMN = {K.RESERVE: L.reserved_cents, K.COMMIT: L.committed_cents,
                   K.DISBURSE: L.disbursed_cents}
# The entries of a booking as one INSERT on PostgreSQL: a column an array, unnested into rows.
# The ledger's day totals are kept per statement there, and a statement a row (what
# executemany is on psycopg) rewrote a line's day once an entry, each rewrite slower than the
# last (20,000 commitments took 17 s instead of 0.3 s). Unlike a multi-row VALUES, the statement
# is the same for any number of rows: compiled and parsed once (a VALUES list of 1,000 rows
# took longer to compile than to run).
_ENTRY_COLUMNS = {"line_id": sa.Integer, "application_id": sa.Integer, "kind": sa.String,
                  "amount_cents": sa.BigInteger, "actor_id": sa.Integer, "at": UTCDateTime,
                  "cause": sa.String, "reason": sa.Text}
_UNNESTED = sa.func.unnest(*(
    sa.cast(sa.bindparam(name, type_=postgresql.ARRAY(column_type)),
            postgresql.ARRAY(column_type))
    for name, column_type in _ENTRY_COLUMNS.items()
)).table_valued(*_ENTRY_COLUMNS).render_derived()
_ENTRIES_UNNESTED = sa.insert(LedgerEntry.__table__).from_select(
    list(_ENTRY_COLUMNS), sa.select(*_UNNESTED.c))


@dataclass(frozen=True)
class _Gathered:
    line: BudgetLine
    kind: EntryKind
    amount_cents: int
    actor_id: int | None
    at: datetime
    cause: str
    application_id: int | None
    reason: str


@contextmanager
def deferred() -> Iterator[None]:
    """Gather the reservations, commitments and payments (disbursements) ``post`` is asked
    for, and book them together when the block ends: per line and kind ONE conditional UPDATE
    by their total, under the condition ``post`` puts to each (the amounts are positive, so if
    the total fits, each in turn fits), then the entries, in the order asked, in one INSERT.
    What an application holds limits neither a reservation nor a commitment; a payment is
    checked against it when gathered (``application_balance``: read from the ledger after
    booking what was gathered, or from ``balances_known``, which counts what was gathered).

    Nothing reads the ledger in between: what is gathered is booked first whenever the session
    queries or flushes, and before another kind of entry is posted. In the caller's
    transaction: when the block fails, what it gathered is dropped, and the caller rolls back
    the rest."""
    session = db.session
    if DEFERRED in session.info:
        yield  # already gathering: the outer block books
        return
    session.info[DEFERRED] = []
    try:
        yield
        book_deferred()
    finally:
        session.info.pop(DEFERRED, None)


def book_deferred(session: Session | None = None) -> None:
    """Book what ``deferred()`` gathered since it last booked; a line that cannot take its
    total refuses (422: CeilingReached, or for payments the line's refusal as ``post`` gives
    it) and none of it is booked, on any line (what was booked before stays, as a refused
    ``post`` leaves the bookings before it: the caller rolls back)."""
    session = session or db.session()
    gathered = session.info.get(DEFERRED)
    if not gathered:
        return
    entries = list(gathered)
    gathered.clear()
    # A statement of its own on the session's connection: this may run inside a flush.
    connection = session.connection()
    totals: dict[tuple[int, EntryKind], int] = {}
    lines: dict[int, BudgetLine] = {}
    for entry in entries:
        lines[entry.line.id] = entry.line
        key = (entry.line.id, entry.kind)
        totals[key] = totals.get(key, 0) + entry.amount_cents
    booked = []
    # In the order of the lines' ids, as lock_lines takes them: two bookings never wait on
    # each other.
    for (line_id, kind), total in sorted(totals.items()):
        values, room = _balance_update(kind, None, total)
        row = connection.execute(
            sa.update(BudgetLine).where(BudgetLine.id == line_id, room).values(values)
            .returning(*BALANCES)).one_or_none()
        if row is None:
            for done_id, done_kind, done_total in reversed(booked):
                column = GATHERED_COLUMN[done_kind]
                _set_balances(lines[done_id], connection.execute(
                    sa.update(BudgetLine).where(BudgetLine.id == done_id)
                    .values({column: column - done_total}).returning(*BALANCES)).one())
            _set_balances(lines[line_id], connection.execute(
                sa.select(*BALANCES).where(BudgetLine.id == line_id)).one())
            if kind == K.DISBURSE:
                _refuse(f"De regel {lines[line_id].name} laat deze boeking niet toe.")
            raise CeilingReached(lines[line_id], total)
        booked.append((line_id, kind, total))
        _set_balances(lines[line_id], row)
    rows = [
        # No bucket (the column's NULL): no kind gathered is a release.
        {"line_id": entry.line.id, "application_id": entry.application_id,
         "kind": entry.kind.value, "amount_cents": entry.amount_cents,
         "actor_id": entry.actor_id, "at": entry.at, "cause": entry.cause,
         "reason": entry.reason}
        for entry in entries]
    if connection.dialect.name == "postgresql":
        connection.execute(_ENTRIES_UNNESTED, {
            name: [row[name] for row in rows] for name in _ENTRY_COLUMNS})
    else:
        # SQLite keeps the day totals per row, and runs one prepared statement for all.
        connection.execute(sa.insert(LedgerEntry.__table__), rows)


def _set_balances(line: BudgetLine, row) -> None:
    # As the row now stands, without a read of its own (and without marking the line changed).
    reserved, committed, disbursed, recovered = row
    set_committed_value(line, "reserved_cents", reserved)
    set_committed_value(line, "committed_cents", committed)
    set_committed_value(line, "disbursed_cents", disbursed)
    set_committed_value(line, "recovered_cents", recovered)


@event.listens_for(Session, "before_flush")
def _book_before_flushing(session: Session, _context, _instances) -> None:
    if session.info.get(DEFERRED):
        book_deferred(session)


@event.listens_for(Session, "do_orm_execute")
def _book_before_reading(execution) -> None:
    # Any query of the session, a lazy load included, sees what was gathered as booked.
    if execution.session.info.get(DEFERRED):
        book_deferred(execution.session)
