"""How many applications match a list's filters, read off the tallies the database keeps
(grants.models.ApplicationTally) instead of counting every matching application: a sum over a
few hundred rows, not a count of 100,000 (issue 16). Exact, in the reader's transaction.

The tallies only grow, by a row or two per application written; once a sum reads more than
FOLD_AFTER of them, and more than twice its keys, they are folded into one row per key, which
changes no sum."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from grants.database import writing
from grants.extensions import db
from grants.models import ApplicationTally, Scheme, Window

T = ApplicationTally
KEY = (T.scheme_id, T.window_id, T.state, T.region)
FOLD_AFTER = 2_000


def tallied(*, scheme: str | None = None, window_code: str | None = None,
            window_id: int | None = None, states: Iterable[str] | None = None,
            region: str | None = None) -> int:
    """How many applications there are of ``scheme`` (a code), in the window(s) with
    ``window_code`` or with id ``window_id``, in one of ``states``, in ``region``: each filter
    given narrows, as the lists' own filters on the applications table do."""
    conditions = []
    if scheme:
        conditions.append(T.scheme_id.in_(sa.select(Scheme.id).where(Scheme.code == scheme)))
    if window_code:
        conditions.append(T.window_id.in_(sa.select(Window.id).where(Window.code == window_code)))
    if window_id is not None:
        conditions.append(T.window_id == window_id)
    if states is not None:
        conditions.append(T.state.in_([str(state) for state in states]))
    if region:
        conditions.append(T.region == region)
    total, rows = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(T.change), 0), sa.func.count())
        .where(*conditions)).one()
    if rows > FOLD_AFTER and rows > 2 * _keys(conditions):
        fold_apart()
    return int(total)


def _keys(conditions: list) -> int:
    # Where there are more keys than FOLD_AFTER, folded rows are as many: no use folding again.
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(*KEY).where(*conditions).group_by(*KEY).subquery()))


def fold(connection: sa.Connection) -> None:
    """Fold the tallies into one row per key, within ``connection``'s transaction."""
    table = T.__table__
    if connection.dialect.name == "postgresql":
        # One statement: it inserts the sum of exactly the rows it deleted. A fold beside it
        # skips what this one deleted and cannot see what it inserted; rows another writer has
        # not committed yet stay for a later fold.
        gone = table.delete().returning(*[table.c[column.key] for column in KEY],
                                        table.c.change).cte("gone")
        gone_key = [gone.c[column.key] for column in KEY]
        connection.execute(table.insert().from_select(
            [*[column.key for column in KEY], "change"],
            sa.select(*gone_key, sa.func.sum(gone.c.change)).group_by(*gone_key)
            .having(sa.func.sum(gone.c.change) != 0)))
        return
    # SQLite has one writer at a time: in its transaction, the rows up to the last id are all
    # there are until it commits.
    last = connection.scalar(sa.select(sa.func.max(T.id)))
    if last is None:
        return
    connection.execute(table.insert().from_select(
        [*[column.key for column in KEY], "change"],
        sa.select(*KEY, sa.func.sum(T.change)).where(T.id <= last).group_by(*KEY)
        .having(sa.func.sum(T.change) != 0)))
    connection.execute(table.delete().where(table.c.id <= last))


def fold_apart() -> None:
    """Fold on a connection of its own, committed at once (the reader's transaction may only
    read). On SQLite it does not wait for another writer: the next sum tries again."""
    engine = db.engine
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                fold(connection)
            return
        waits = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql("PRAGMA busy_timeout = 0")
        connection.commit()
        try:
            with writing(), connection.begin():
                fold(connection)
        except OperationalError:
            pass  # another writer holds the database
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(waits)}")
            connection.commit()
