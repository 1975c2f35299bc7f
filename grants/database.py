"""Engine behaviour both databases need to behave alike, and shared column types."""

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both databases.

    PostgreSQL keeps the offset (timestamptz); SQLite has no zone, so values are stored as naive
    UTC and handed back aware. Naive input is refused: a time without a zone is a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def engine_options(app: Flask) -> dict:
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The driver's timeout is SQLite's busy timeout: how long to wait for another writer.
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        options["connect_args"] = connect_args
    return options


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the driver, decide where transactions begin: the driver's own handling
    # breaks SAVEPOINT and hides when the write lock is taken.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Set for work that will write (an unsafe HTTP method, a command). SQLite then takes the write
# lock when the transaction begins, so concurrent writers queue up (for the busy timeout)
# instead of failing when a read lock cannot be upgraded; each then reads what the one before
# it committed. PostgreSQL gets the same effect from row locks (SELECT ... FOR UPDATE).
_writing: ContextVar[bool] = ContextVar("grants_writing", default=False)


@contextmanager
def writing():
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@contextmanager
def reading():
    """Within a writing request, a stretch that only reads and takes long (a large upload
    parsed): a plain BEGIN, which on SQLite blocks no other writer. End its transaction before
    writing: SQLite cannot upgrade a read transaction once another writer has committed."""
    token = _writing.set(False)
    try:
        yield
    finally:
        _writing.reset(token)


def begin_writing() -> object:
    return _writing.set(True)


def end_writing(token: object) -> None:
    _writing.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")
