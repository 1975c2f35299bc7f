"""A database of its own for one bench run, gone afterwards (not a bench: CI runs *_bench.py).

A temporary SQLite file, or, when the bench is given a PostgreSQL URL, ``<name>_bench_<what>``
created beside that URL's database and dropped at the end (also one an interrupted run left).
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(url: str | None, what: str) -> Iterator[str]:
    if not url or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{what}-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    base = make_url(url).set(drivername="postgresql+psycopg")
    name = f"{base.database}_bench_{what}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")

    def drop():
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        drop()  # left over from an interrupted run
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()
